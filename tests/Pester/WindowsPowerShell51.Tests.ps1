#requires -Modules Pester
# Everything a user copies (help examples in docs/en-US, the README's PowerShell blocks, docs/examples scripts) must run in
# Windows PowerShell 5.1, or say it needs PowerShell 7: a block whose first line is a comment containing "7+".
# This pwsh's parser finds the PowerShell-7-only syntax and parameters; it cannot run Windows PowerShell itself.
BeforeDiscovery {
    $repo = Split-Path (Split-Path $PSScriptRoot -Parent) -Parent
    $blocks = [System.Collections.Generic.List[object]]::new()
    $sources = @(Get-ChildItem (Join-Path $repo 'docs/en-US') -Filter '*.md') + @(Get-Item (Join-Path $repo 'README.md'))
    foreach ($file in $sources) {
        $lines = Get-Content -LiteralPath $file.FullName
        $inside = $false; $start = 0; $body = @()
        for ($i = 0; $i -lt $lines.Count; $i++) {
            if (-not $inside -and $lines[$i] -match '^\s*```\s*(powershell|ps1|pwsh)\s*$') { $inside = $true; $start = $i + 1; $body = @(); continue }
            if ($inside -and $lines[$i] -match '^\s*```\s*$') {
                $inside = $false
                $blocks.Add(@{ Name = "$($file.Name):$start"; Code = ($body -join "`n") })
                continue
            }
            if ($inside) { $body += $lines[$i] }
        }
    }
    foreach ($script in Get-ChildItem (Join-Path $repo 'docs/examples') -Filter '*.ps1') {
        $blocks.Add(@{ Name = $script.Name; Code = (Get-Content -LiteralPath $script.FullName -Raw) })
    }
    $script:Blocks = $blocks
}

BeforeAll {
    # Parameters that exist only in PowerShell 6/7 (per cmdlet), and cmdlets that do not exist in 5.1.
    $script:SevenOnlyParameters = @{
        'Invoke-RestMethod'  = 'Authentication', 'Token', 'SkipCertificateCheck', 'SkipHttpErrorCheck', 'NoProxy', 'StatusCodeVariable', 'ResponseHeadersVariable', 'AllowUnencryptedAuthentication', 'MaximumRetryCount', 'RetryIntervalSec', 'SslProtocol', 'Resume', 'Form', 'HttpVersion', 'SkipHeaderValidation', 'AllowInsecureRedirect', 'ConnectionTimeoutSeconds', 'OperationTimeoutSeconds'
        'Invoke-WebRequest'  = 'Authentication', 'Token', 'SkipCertificateCheck', 'SkipHttpErrorCheck', 'NoProxy', 'MaximumRetryCount', 'RetryIntervalSec', 'SslProtocol', 'Resume', 'Form', 'HttpVersion', 'SkipHeaderValidation', 'AllowInsecureRedirect', 'ConnectionTimeoutSeconds', 'OperationTimeoutSeconds'
        'ForEach-Object'     = 'Parallel', 'ThrottleLimit', 'TimeoutSeconds', 'AsJob', 'UseNewRunspace'
        'ConvertFrom-Json'   = 'AsHashtable', 'Depth', 'NoEnumerate', 'DateKind'
        'ConvertTo-Json'     = 'EscapeHandling', 'AsArray'
        'Get-Content'        = 'AsByteStream'
        'Set-Content'        = 'AsByteStream', 'NoNewline'
        'Add-Content'        = 'AsByteStream'
        'Select-String'      = 'Raw', 'NoEmphasis'
        'Select-Object'      = 'SkipIndex'
        'Get-ChildItem'      = 'FollowSymlink'
        'Out-File'           = 'NoNewline'
        'Start-Process'      = 'Environment'
        'ConvertTo-SecureString' = @()
        'Test-Connection'    = 'TargetName', 'Ping', 'TcpPort', 'Traceroute', 'MtuSize'
    }
    $script:SevenOnlyCommands = 'Test-Json', 'Join-String', 'Get-Error', 'Remove-Alias', 'Get-Uptime', 'ConvertFrom-Markdown', 'Show-Markdown', 'Get-MarkdownOption', 'Set-MarkdownOption', 'Clear-RecycleBin', 'Remove-Service', 'ConvertTo-CliXml', 'ConvertFrom-CliXml', 'Get-PSSubsystem'

    function script:Find-SevenOnly([string] $Code) {
        $tokens = $null; $errors = $null
        $ast = [System.Management.Automation.Language.Parser]::ParseInput($Code, [ref]$tokens, [ref]$errors)
        $found = [System.Collections.Generic.List[string]]::new()
        foreach ($e in $errors) { $found.Add("does not parse: $($e.Message)") }
        foreach ($t in $tokens) {
            switch ($t.Kind) {
                'QuestionQuestion' { $found.Add("'??' (null-coalescing, line $($t.Extent.StartLineNumber))") }
                'QuestionQuestionEquals' { $found.Add("'??=' (line $($t.Extent.StartLineNumber))") }
                'QuestionDot' { $found.Add("'?.' (line $($t.Extent.StartLineNumber))") }
                'QuestionLBracket' { $found.Add("'?[' (line $($t.Extent.StartLineNumber))") }
                'AndAnd' { $found.Add("'&&' (pipeline chain, line $($t.Extent.StartLineNumber))") }
                'OrOr' { $found.Add("'||' (pipeline chain, line $($t.Extent.StartLineNumber))") }
            }
            if ($t.Kind -eq 'Variable' -and $t.Name -in 'IsWindows', 'IsLinux', 'IsMacOS', 'IsCoreCLR') {
                $found.Add("`$$($t.Name) (undefined in 5.1, line $($t.Extent.StartLineNumber))")
            }
        }
        foreach ($ternary in $ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.TernaryExpressionAst] }, $true)) {
            $found.Add("ternary '? :' (line $($ternary.Extent.StartLineNumber))")
        }
        foreach ($command in $ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.CommandAst] }, $true)) {
            $name = $command.GetCommandName()
            if (-not $name) { continue }
            if ($name -in $SevenOnlyCommands) { $found.Add("$name (no such command in 5.1, line $($command.Extent.StartLineNumber))") }
            $resolved = (Get-Alias -Name $name -ErrorAction Ignore).Definition
            if ($resolved) { $name = $resolved }
            if ($SevenOnlyParameters.ContainsKey($name)) {
                foreach ($parameter in $command.CommandElements | Where-Object { $_ -is [System.Management.Automation.Language.CommandParameterAst] }) {
                    foreach ($seven in $SevenOnlyParameters[$name]) {
                        if ($seven -like "$($parameter.ParameterName)*" -and $parameter.ParameterName.Length -ge 2) {
                            $found.Add("$name -$($parameter.ParameterName) (PowerShell 7 only, line $($parameter.Extent.StartLineNumber))")
                        }
                    }
                }
            }
        }
        , $found.ToArray()
    }
}

Describe 'What users copy runs in Windows PowerShell 5.1 (or says 7+)' {
    It 'the checker finds PowerShell 7 syntax and parameters' {
        (Find-SevenOnly '$a ?? 1').Count | Should -BeGreaterThan 0
        (Find-SevenOnly '$x = $ok ? 1 : 2').Count | Should -BeGreaterThan 0
        (Find-SevenOnly 'git fetch && git status').Count | Should -BeGreaterThan 0
        (Find-SevenOnly '1..3 | ForEach-Object -Parallel { $_ }').Count | Should -BeGreaterThan 0
        (Find-SevenOnly 'Invoke-RestMethod -Uri $u -Authentication Bearer -Token $t').Count | Should -BeGreaterThan 0
        (Find-SevenOnly 'irm $u -SkipCertificateCheck').Count | Should -BeGreaterThan 0
        (Find-SevenOnly 'if ($IsWindows) { 1 }').Count | Should -BeGreaterThan 0
        (Find-SevenOnly '$s = Get-Content x -Raw | ConvertFrom-Json; Invoke-RestMethod -Uri $u -Headers @{ Authorization = "Bearer $t" }').Count | Should -Be 0
    }

    It '<Name>' -ForEach $Blocks {
        $firstLine = ($Code -split "`n" | Where-Object { $_.Trim() } | Select-Object -First 1)
        if ($firstLine -match '^\s*#.*\b7\+') {
            Set-ItResult -Skipped -Because 'the block is marked PowerShell 7+'
            return
        }
        Find-SevenOnly $Code | Should -BeNullOrEmpty -Because "$Name is meant to run in Windows PowerShell 5.1 (mark it with a first line '# PowerShell 7+' if it cannot)"
    }
}
