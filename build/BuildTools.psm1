Set-StrictMode -Version 3.0

function Install-DebianPackages {
    <# Installs the Debian packages behind missing commands, when this session may install (root with apt-get). #>
    param([hashtable] $Commands)
    $missing = @($Commands.GetEnumerator() | Where-Object { -not (Get-Command $_.Key -ErrorAction Ignore) -and -not (Test-Path "/usr/sbin/$($_.Key)") } | ForEach-Object Value | Sort-Object -Unique)
    if ($missing.Count -eq 0) { return }
    $isRoot = $IsLinux -and ((& id -u) -eq '0')
    if (-not $isRoot -or -not (Get-Command apt-get -ErrorAction Ignore)) {
        Write-Warning "Missing tools ($($missing -join ', ')); install them with your package manager. Tests that need them will fail."
        return
    }
    Write-Host "Installing Debian packages: $($missing -join ', ')"
    $env:DEBIAN_FRONTEND = 'noninteractive'
    & apt-get update -qq | Out-Null
    & apt-get install -y -qq --no-install-recommends @missing | Out-Null
    if ($LASTEXITCODE -ne 0) { throw "apt-get install $($missing -join ' ') failed." }
}

function Get-NuGetPackagesFolder {
    if ($env:NUGET_PACKAGES) { return $env:NUGET_PACKAGES }
    $line = & dotnet nuget locals global-packages --list
    return ($line -replace '^global-packages:\s*', '').Trim()
}

function Invoke-XunitTests {
    <# Runs the engine's xunit tests; returns their counts (read from a TRX file, not from console text). #>
    param([string] $Project, [string] $Configuration, [string] $Version)
    $results = Join-Path ([IO.Path]::GetTempPath()) ("pfa-xunit-" + [guid]::NewGuid().ToString('N'))
    & dotnet test $Project -c $Configuration "-p:Version=$Version" --nologo --logger 'trx;LogFileName=xunit.trx' --logger 'console;verbosity=minimal' --results-directory $results | Out-Host
    $exit = $LASTEXITCODE
    $trx = Get-ChildItem $results -Filter '*.trx' -Recurse -ErrorAction Ignore | Select-Object -First 1
    if (-not $trx) { return [pscustomobject]@{ Passed = 0; Failed = [Math]::Max(1, $exit); Skipped = 0 } }
    [xml] $xml = Get-Content -Raw $trx.FullName
    $counters = $xml.TestRun.ResultSummary.Counters
    Remove-Item $results -Recurse -Force -ErrorAction Ignore
    $failed = [int]$counters.failed + [int]$counters.error + [int]$counters.timeout + [int]$counters.aborted
    if ($exit -ne 0 -and $failed -eq 0) { $failed = 1 }
    # vstest counts a skipped test in total but not in executed (notExecuted stays 0).
    $skipped = [Math]::Max([int]$counters.notExecuted, [int]$counters.total - [int]$counters.executed)
    [pscustomobject]@{ Passed = [int]$counters.passed; Failed = $failed; Skipped = $skipped }
}

function Invoke-PesterTests {
    <# Runs Pester in a fresh pwsh against the packaged module; returns the counts it wrote. #>
    param([string] $RepositoryRoot, [string] $ModuleRoot, [string] $PesterVersion, [string[]] $Path)
    $pester = Join-Path (Get-NuGetPackagesFolder) "pester/$PesterVersion/tools/Pester.psd1"
    if (-not (Test-Path $pester)) { throw "Pester $PesterVersion was not restored ($pester). Run ./build.ps1 Bootstrap." }
    $summary = Join-Path ([IO.Path]::GetTempPath()) ("pfa-pester-" + [guid]::NewGuid().ToString('N') + '.json')
    $runner = Join-Path $RepositoryRoot 'tests/Invoke-PesterRun.ps1'
    $pwsh = Join-Path $PSHOME 'pwsh'
    $arguments = @('-NoProfile', '-NonInteractive', '-File', $runner, '-PesterManifest', $pester, '-ModuleRoot', $ModuleRoot, '-SummaryPath', $summary)
    if ($Path) { $arguments += @('-Path', ($Path -join ',')) }
    & $pwsh @arguments | Out-Host
    $exit = $LASTEXITCODE
    if (-not (Test-Path $summary)) {
        return [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0; FailedContainers = 1; FailedBlocks = 0 }
    }
    $counts = Get-Content -Raw $summary | ConvertFrom-Json
    Remove-Item $summary -Force
    if ($exit -ne 0 -and $counts.Failed -eq 0 -and $counts.FailedContainers -eq 0) { $counts.FailedContainers = 1 }
    return $counts
}

function Invoke-NetFxTests {
    <#
    Runs the .NET Framework tests (tests/PfaAzureDevOps.NetFx.Tests, net472) on Mono against the packaged module's
    dependencies/netfx, with the local Azure DevOps and its sshd started for them; returns their counts.
    #>
    param([string] $RepositoryRoot, [string] $ModuleRoot, [string] $Configuration, [string] $Version)
    if (-not (Get-Command mono -ErrorAction Ignore)) {
        Write-Warning 'Mono is not installed (Debian: apt-get install mono-complete; ./build.ps1 Bootstrap does it as root): the .NET Framework tests cannot run.'
        return [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 }
    }
    Import-Module (Join-Path $RepositoryRoot 'tests/TestHelpers/LocalAzureDevOps.psm1') -Force
    $withSsh = $IsLinux -and ((& id -u) -eq '0') -and (Test-Path /usr/sbin/sshd)
    $ado = Start-LocalAzureDevOps -WithSsh:$withSsh
    $setup = Join-Path ([IO.Path]::GetTempPath()) ('pfa-netfx-setup-' + [guid]::NewGuid().ToString('N') + '.txt')
    try {
        $null = Invoke-LocalAzureDevOpsControl -Instance $ado -Method POST -Path '/_test/orgs' -Body @{ name = 'samplecorp' }
        $null = Invoke-LocalAzureDevOpsControl -Instance $ado -Method POST -Path '/_test/orgs/samplecorp/repos' -Body @{ project = 'Modules'; repo = 'puppet-base' }
        $app = Invoke-LocalAzureDevOpsControl -Instance $ado -Method POST -Path '/_test/apps' -Body @{ name = 'PFA'; callbackUrl = 'https://pfa.example.test/oauth2/azureDevOps'; scopes = 'vso.code_write' }
        $lines = @(
            "HttpUrl=$($ado.HttpUrl)"
            "AppId=$($app.id)"
            "ClientSecret=$($app.clientSecret)"
            "CallbackUrl=$($app.callbackUrl)"
            "Scopes=$($app.scopes)"
            "Organization=samplecorp"
        )
        if ($withSsh) {
            $lines += "RepositoryUrl=ssh://$($ado.SshUser)@127.0.0.1:$($ado.SshPort)/v3/samplecorp/Modules/puppet-base"
            $lines += "HostKeyFingerprint=$($ado.SshHostKeyFingerprint)"
        }
        Set-Content -LiteralPath $setup -Value $lines
        $env:PFA_NETFX_SETUP = $setup
        $env:PFA_NETFX_MODULE_ROOT = $ModuleRoot
        Invoke-XunitTests -Project (Join-Path $RepositoryRoot 'tests/PfaAzureDevOps.NetFx.Tests') -Configuration $Configuration -Version $Version
    }
    finally {
        Remove-Item Env:PFA_NETFX_SETUP, Env:PFA_NETFX_MODULE_ROOT -ErrorAction Ignore
        Remove-Item -LiteralPath $setup -Force -ErrorAction Ignore
        Stop-LocalAzureDevOps -Instance $ado
    }
}

Export-ModuleMember -Function Install-DebianPackages, Get-NuGetPackagesFolder, Invoke-XunitTests, Invoke-PesterTests, Invoke-NetFxTests
