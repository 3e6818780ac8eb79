Set-PSReadLineOption -EditMode Emacs
