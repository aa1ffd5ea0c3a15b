#requires -Modules Pester
<#
    Every example of every help page (docs/en-US/*.md, the first powershell block of each '### Example N'), run as
    written in a fresh pwsh against the local Azure DevOps, so an example that breaks fails the build. Pages and
    examples added later are picked up by themselves. HelpExamples.psd1 says which state an example starts from and
    lists, with the reason, the few examples that cannot run here; nothing is skipped silently. The local Azure DevOps
    is shared by all examples, so the newest tokens of the connection are carried back into the stages after each
    example (Azure DevOps rotates the refresh token).

    What the runner changes, and only this: the hosted addresses in the text point at the local Azure DevOps
    (git@ssh.dev.azure.com:v3/ becomes its sshd, https://dev.azure.com/ its HTTP origin, /opt/tools/consent.mjs the
    headless browser of tests/Browser, which the Connect page gets as $env:BROWSER); the SSH cmdlets get the local
    host key through $PSDefaultParameterValues; Read-Host
    answers with $env:PFA_EXAMPLE_ANSWER or a fixed value, and Set-Clipboard writes ./clipboard.txt (there is nobody to
    type and no clipboard).
#>

BeforeDiscovery {
    $repository = $env:PFA_TEST_REPOSITORY
    if (-not $repository) { throw 'PFA_TEST_REPOSITORY is not set: run through ./build.ps1 Test.' }
    $config = Import-PowerShellDataFile -LiteralPath (Join-Path $PSScriptRoot 'HelpExamples.psd1')
    $script:ExampleCases = [System.Collections.Generic.List[hashtable]]::new()
    foreach ($file in Get-ChildItem -LiteralPath (Join-Path $repository 'docs/en-US') -Filter '*.md' | Sort-Object Name) {
        $page = $file.BaseName
        $lines = Get-Content -LiteralPath $file.FullName
        $inExamples = $false; $number = 0; $title = $null; $code = $null; $fence = $false; $taken = $false
        $found = [System.Collections.Generic.List[hashtable]]::new()
        foreach ($line in $lines) {
            if ($line -match '^## ') { $inExamples = $line -match '^## EXAMPLES\s*$'; continue }
            if (-not $inExamples) { continue }
            if ($line -match '^### (Example \d+.*)$') { $number++; $title = $Matches[1]; $taken = $false; continue }
            if (-not $fence -and $line -match '^```powershell\s*$' -and -not $taken) {
                if ($number -eq 0) { $number = 1; $title = 'Example 1' }
                $fence = $true; $code = [System.Collections.Generic.List[string]]::new(); continue
            }
            if ($fence -and $line -match '^```\s*$') {
                $fence = $false; $taken = $true
                $found.Add(@{ Page = $page; Number = $number; Title = $title; Code = ($code -join "`n") })
                continue
            }
            if ($fence) { $code.Add($line) }
        }
        foreach ($case in $found) {
            $key = "$($case.Page)/$($case.Number)"
            $case.Key = $key
            $case.NotRun = $config.NotRun[$key]
            $case.Stage = if ($config.Examples[$key] -and $config.Examples[$key].Stage) { $config.Examples[$key].Stage }
            elseif ($config.Pages[$page] -and $config.Pages[$page].Stage) { $config.Pages[$page].Stage }
            else { $config.DefaultStage }
            $case.Setup = if ($config.Examples[$key]) { $config.Examples[$key].Setup }
            $case.Environment = @{}
            foreach ($source in @($config.Pages[$page], $config.Examples[$key])) {
                if ($source -and $source.Environment) { foreach ($k in $source.Environment.Keys) { $case.Environment[$k] = $source.Environment[$k] } }
            }
            $script:ExampleCases.Add($case)
        }
    }
    $script:RunCases = @($script:ExampleCases | Where-Object { -not $_.NotRun })
    $script:NotRunCases = @($script:ExampleCases | Where-Object { $_.NotRun })
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../TestHelpers/TestHelpers.psm1') -Force
    $script:Config = Import-PowerShellDataFile -LiteralPath (Join-Path $PSScriptRoot 'HelpExamples.psd1')
    $script:Ado = (Enter-TestSession -WithSsh -AllowHttpCallbacks).Ado
    function script:Copy-Tree([string] $From, [string] $To) {
        # Keeps the owner-only modes the store checks.
        if (Get-Command cp -CommandType Application -ErrorAction Ignore) { & cp -a $From $To; if ($LASTEXITCODE) { throw "cp -a $From $To failed" } }
        else { Copy-Item -LiteralPath $From -Destination $To -Recurse }
    }

    foreach ($org in 'samplecorp', 'contoso', 'fabrikam') { $null = Control POST '/_test/orgs' @{ name = $org } }
    $null = Control POST '/_test/orgs/samplecorp/repos' @{ project = 'Modules'; repo = 'puppet-base' }
    $control = Control POST '/_test/orgs/samplecorp/repos' @{ project = 'Control'; repo = 'control-repo' }
    & git -C $control.path branch production main 2>&1 | Out-Null
    $script:SshBase = "ssh://$($Ado.SshUser)@127.0.0.1:$($Ado.SshPort)/v3/"
    # The instance is on this machine (a loopback callback), so Connect receives the browser's redirect itself and
    # the Connect examples run for real with the headless browser of tests/Browser as $env:BROWSER.
    $listener = [System.Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
    $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()
    $script:Instance = "http://127.0.0.1:$port"
    $script:Consent = Join-Path $env:PFA_TEST_REPOSITORY 'tests/Browser/consent.mjs'
    $app = Control POST '/_test/apps' @{ name = 'PFA'; callbackUrl = "$Instance/oauth2/azureDevOps"; scopes = 'vso.code_write' }

    # The stages, built once by the public cmdlets and copied for each example.
    $script:Stages = Join-Path ([IO.Path]::GetTempPath()) ('pfa-examples-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    New-Item -ItemType Directory -Path $Stages | Out-Null
    $script:live = Join-Path $Stages 'live'
    New-Item -ItemType Directory -Path $live | Out-Null
    $env:PFA_AZUREDEVOPS_HOME = $live
    function script:Save-Stage([string] $Name) { Copy-Tree $live (Join-Path $Stages $Name) }
    Save-Stage 'Empty'

    $secret = ConvertTo-SecureString $app.clientSecret -AsPlainText -Force
    foreach ($scope in 'AllUsers', 'CurrentUser') {
        Register-PfaAzureDevOpsApp -Provider AzureDevOps -InstanceUrl $Instance -ClientId $app.id -ClientSecret $secret -AuthorizationServer $Ado.HttpUrl `
            -Scope $scope -SecretExpiresOn ([DateTimeOffset]::UtcNow.AddDays(60)) -WarningAction SilentlyContinue -InformationAction SilentlyContinue
    }
    Save-Stage 'Registered'

    $env:BROWSER = "node $Consent"
    try { Connect-PfaAzureDevOps -Organization samplecorp -TimeoutSeconds 120 -WarningAction SilentlyContinue -InformationAction SilentlyContinue | Out-Null }
    finally { Remove-Item Env:BROWSER -ErrorAction Ignore }
    Save-Stage 'Connected'

    New-PfaSshKey -Bits 3072 -WarningAction SilentlyContinue -InformationAction SilentlyContinue | Out-Null
    Save-Stage 'Key'
    Add-AzDevOpsSshKey -InformationAction SilentlyContinue | Out-Null
    Save-Stage 'KeyAdded'
    Save-Stage 'Cloned'
    $script:ClonedWork = Join-Path $Stages 'Cloned-work'
    New-Item -ItemType Directory -Path $ClonedWork | Out-Null
    foreach ($repo in 'Modules/puppet-base', 'Control/control-repo') {
        Copy-PfaAzureDevOpsRepository "$SshBase`samplecorp/$repo" (Join-Path $ClonedWork ($repo -split '/')[1]) -HostKeyFingerprint $Ado.SshHostKeyFingerprint -WarningAction SilentlyContinue | Out-Null
    }

    $script:Prelude = @"
`$ErrorActionPreference = 'Stop'
if (`$PSStyle) { `$PSStyle.OutputRendering = 'PlainText' }
`$PSDefaultParameterValues['*:HostKeyFingerprint'] = '$($Ado.SshHostKeyFingerprint)'
function Read-Host { param([Parameter(Position = 0)] [object] `$Prompt, [switch] `$AsSecureString, [switch] `$MaskInput)
    `$answer = if (`$env:PFA_EXAMPLE_ANSWER) { `$env:PFA_EXAMPLE_ANSWER } else { 'example-answer-0123456789abcdef' }
    if (`$AsSecureString) { ConvertTo-SecureString `$answer -AsPlainText -Force } else { `$answer } }
function Set-Clipboard { param([Parameter(ValueFromPipeline, Position = 0)] [object] `$Value) process { Add-Content -Path ./clipboard.txt -Value "`$Value" } }

"@

    function script:Invoke-Example($Case) {
        $run = Join-Path $Stages ('run-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
        $work = Join-Path $run 'work'
        $userHome = Join-Path $run 'home'
        New-Item -ItemType Directory -Path $run, $userHome | Out-Null
        Copy-Tree (Join-Path $Stages $Case.Stage) (Join-Path $run 'state')
        if ($Case.Stage -eq 'Cloned') { Copy-Tree $ClonedWork $work } else { New-Item -ItemType Directory -Path $work | Out-Null }
        $code = $Case.Code.Replace('git@ssh.dev.azure.com:v3/', $SshBase).Replace('https://dev.azure.com/', "$($Ado.HttpUrl)/").Replace('/opt/tools/consent.mjs', $Consent)
        $script = Join-Path $run 'example.ps1'
        Set-Content -Path $script -Encoding utf8 -Value ($Prelude + $(if ($Case.Setup) { $Case.Setup + "`n" }) + $code + "`n")
        $environment = @{ PFA_AZUREDEVOPS_HOME = (Join-Path $run 'state'); HOME = $userHome; CI = 'true' }
        foreach ($k in $Case.Environment.Keys) {
            $value = $Case.Environment[$k].Replace('{Consent}', $Consent)
            if ($value -eq '{Pat}') { $value = (Control POST '/_test/tokens' @{}).accessToken }   # a personal access token of the user
            $environment[$k] = $value
        }
        $saved = @{}
        Push-Location $work
        try {
            foreach ($k in $environment.Keys) { $saved[$k] = [Environment]::GetEnvironmentVariable($k); [Environment]::SetEnvironmentVariable($k, $environment[$k]) }
            $output = & (Join-Path $PSHOME 'pwsh') -NoProfile -NonInteractive -File $script 2>&1 | ForEach-Object { "$_" }
            [pscustomobject]@{ ExitCode = $LASTEXITCODE; Text = ($output -join "`n"); Code = $code }
        }
        finally {
            foreach ($k in $saved.Keys) { [Environment]::SetEnvironmentVariable($k, $saved[$k]) }
            Pop-Location
            Save-NewerConnection (Join-Path $run 'state')
            Remove-Item -LiteralPath $run -Recurse -Force -ErrorAction Ignore
        }
    }

    # After an example refreshed the samplecorp connection, every stage (and the live state) takes its tokens: the
    # refresh token they held is spent.
    function script:Save-NewerConnection([string] $State) {
        $file = Join-Path $State 'CurrentUser/connection.json'
        if (-not (Test-Path -LiteralPath $file)) { return }
        $new = Get-Content -Raw -LiteralPath $file | ConvertFrom-Json
        if ($new.organization -ne 'samplecorp') { return }
        foreach ($target in @('Connected', 'Key', 'KeyAdded', 'Cloned' | ForEach-Object { Join-Path $Stages $_ }) + $live) {
            $old = Join-Path $target 'CurrentUser/connection.json'
            if (-not (Test-Path -LiteralPath $old) -or (Get-Content -Raw -LiteralPath $old | ConvertFrom-Json).generation -ge $new.generation) { continue }
            foreach ($name in @($new.accessTokenSecret, $new.refreshTokenSecret) | Where-Object { $_ }) {
                Copy-Tree (Join-Path $State "CurrentUser/secrets/$name.bin") (Join-Path $target "CurrentUser/secrets/$name.bin")
            }
            Copy-Tree $file $old
        }
    }
}

AfterAll {
    Exit-TestSession
    if ($script:Stages) { Remove-Item -LiteralPath $script:Stages -Recurse -Force -ErrorAction Ignore }
}

Describe 'Help examples' {
    It 'found the examples of every page (at least one each)' {
        $pages = @(Get-ChildItem -LiteralPath (Join-Path $env:PFA_TEST_REPOSITORY 'docs/en-US') -Filter '*-*.md' | ForEach-Object BaseName)
        foreach ($page in $pages) { @($ExampleCases | Where-Object Page -EQ $page).Count | Should -BeGreaterThan 0 -Because "$page.md must have examples" }
    }

    It 'lists no example under NotRun that does not exist' {
        foreach ($key in $Config.NotRun.Keys) { @($ExampleCases | Where-Object Key -EQ $key).Count | Should -Be 1 -Because "HelpExamples.psd1 names $key" }
        foreach ($key in $Config.Examples.Keys) { @($ExampleCases | Where-Object Key -EQ $key).Count | Should -Be 1 -Because "HelpExamples.psd1 names $key" }
    }

    It '<Key> (<Title>) runs as written from stage <Stage>' -ForEach $RunCases {
        $result = Invoke-Example $_
        $result.ExitCode | Should -Be 0 -Because "the example`n$($result.Code)`nprinted`n$($result.Text)"
    }

    It '<Key> is not run here: <NotRun>' -ForEach $NotRunCases {
        Set-ItResult -Skipped -Because $NotRun
    }
}
