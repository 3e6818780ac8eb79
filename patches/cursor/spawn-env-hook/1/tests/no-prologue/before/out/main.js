import*as c from"child_process";c.spawn("a");
