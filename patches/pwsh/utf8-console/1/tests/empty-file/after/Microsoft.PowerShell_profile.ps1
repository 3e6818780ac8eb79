# >>> patcher pwsh/utf8-console@1 >>> (added by `patcher apply --ps-profile`; `patcher revert --ps-profile` removes it)
# UTF-8 console: code page 65001 for input and output, UTF-8 for .NET and pipes.
if ($IsWindows -or $env:OS -eq 'Windows_NT') { $null = & "$env:SystemRoot\System32\chcp.com" 65001 }
[Console]::InputEncoding = [System.Text.UTF8Encoding]::new($false)
[Console]::OutputEncoding = [System.Text.UTF8Encoding]::new($false)
$OutputEncoding = [System.Text.UTF8Encoding]::new($false)
# <<< patcher pwsh/utf8-console@1 <<<
