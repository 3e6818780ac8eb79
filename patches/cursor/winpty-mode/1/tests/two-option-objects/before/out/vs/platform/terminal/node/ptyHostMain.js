// winpty fallback
const a={cols:1,useConpty:!0},b={cols:2,useConpty:!1};
