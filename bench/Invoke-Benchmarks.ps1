<#
.SYNOPSIS
    Benchmarks, each measured side by side with its anchor in one run (interleaved, medians).

.DESCRIPTION
    Import: 'pwsh -NoProfile -c $null' (the anchor) against 'pwsh -NoProfile -c Import-Module <packaged psd1>'.
    Target: at most 1.10x the bare start, as a median ratio (AccessToken.ps1 measures it with the first cached token too).
    SSH key generation and the access check against ssh-keygen and git ls-remote: see SshBenchmarks.ps1.
    Test pwsh: the start of the pwsh the tests run (this one, when ./build.ps1 Bench starts it: the local tool's pwsh
    with PowerShell's assemblies compiled ahead of time, build/BuildTools.psm1 Get-TestPwshHome) against the start of
    the tool's own pwsh (-ToolPwshHome, IL only), wall and CPU. Target: at most 0.70x the tool's CPU.
#>
param(
    [Parameter(Mandatory)] [string] $ModuleRoot,
    [int] $Runs = 15,
    # The PowerShell .NET tool's own folder, to compare the tests' compiled pwsh with; skipped when not given.
    [string] $ToolPwshHome
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '../build/BuildTools.psm1') -Function Get-CpuSeconds
$pwsh = Join-Path $PSHOME 'pwsh'
$manifest = Join-Path $ModuleRoot 'PfaAzureDevOps.psd1'

function Measure-Median([double[]] $Values) {
    $sorted = $Values | Sort-Object
    $n = $sorted.Count
    if ($n % 2) { return $sorted[[int][Math]::Floor($n / 2)] }
    return ($sorted[$n / 2 - 1] + $sorted[$n / 2]) / 2
}

function Measure-Process([string] $File, [string[]] $Arguments) {
    $sw = [Diagnostics.Stopwatch]::StartNew()
    & $File @Arguments | Out-Null
    $sw.Stop()
    if ($LASTEXITCODE -ne 0) { throw "$File $($Arguments -join ' ') failed with exit code $LASTEXITCODE." }
    return $sw.Elapsed.TotalMilliseconds
}

function Measure-ProcessCpu([string] $File, [string[]] $Arguments) {
    # CPU milliseconds (user + system) of one run: the reaped children's share of /proc/self/stat grows by it.
    $before = (Get-CpuSeconds) - (Get-CpuSeconds -Own)
    & $File @Arguments | Out-Null
    if ($LASTEXITCODE -ne 0) { throw "$File $($Arguments -join ' ') failed with exit code $LASTEXITCODE." }
    return 1000 * (((Get-CpuSeconds) - (Get-CpuSeconds -Own)) - $before)
}

function Compare-SideBySide([string] $Name, [scriptblock] $Anchor, [scriptblock] $Subject, [int] $Runs, [double] $Target) {
    & $Anchor | Out-Null; & $Subject | Out-Null   # warm the file cache for both
    $a = [Collections.Generic.List[double]]::new(); $s = [Collections.Generic.List[double]]::new()
    for ($i = 0; $i -lt $Runs; $i++) {
        if ($i % 2) { $s.Add((& $Subject)); $a.Add((& $Anchor)) } else { $a.Add((& $Anchor)); $s.Add((& $Subject)) }
    }
    $ma = Measure-Median $a; $ms = Measure-Median $s
    $ratio = $ms / $ma
    [pscustomobject]@{
        Benchmark    = $Name
        AnchorMs     = [Math]::Round($ma, 1)
        SubjectMs    = [Math]::Round($ms, 1)
        Ratio        = [Math]::Round($ratio, 3)
        Target       = "<= $($Target)x"
        Met          = $ratio -le $Target
        Runs         = $Runs
    }
}

$env:PFA_AZUREDEVOPS_HOME = Join-Path ([IO.Path]::GetTempPath()) ('pfa-bench-' + [guid]::NewGuid().ToString('N'))
$results = @()
try {
    $results += Compare-SideBySide -Name 'Import-Module (cold pwsh)' -Runs $Runs -Target 1.10 `
        -Anchor { Measure-Process $pwsh @('-NoProfile', '-NonInteractive', '-Command', '$null') } `
        -Subject { Measure-Process $pwsh @('-NoProfile', '-NonInteractive', '-Command', "Import-Module '$manifest'") }
    $results += Compare-SideBySide -Name 'Import + Get-PfaAzureDevOpsApp (cold pwsh, nothing registered)' -Runs $Runs -Target 1.25 `
        -Anchor { Measure-Process $pwsh @('-NoProfile', '-NonInteractive', '-Command', '$null') } `
        -Subject { Measure-Process $pwsh @('-NoProfile', '-NonInteractive', '-Command', "Import-Module '$manifest'; Get-PfaAzureDevOpsApp") }
    if ($ToolPwshHome) {
        $tool = Join-Path $ToolPwshHome 'pwsh'
        $startArgs = @('-NoProfile', '-NonInteractive', '-Command', '$null')
        $results += Compare-SideBySide -Name "pwsh start, wall: the tests' compiled pwsh ($PSHOME) against the tool's ($ToolPwshHome)" -Runs $Runs -Target 0.70 `
            -Anchor { Measure-Process $tool $startArgs } -Subject { Measure-Process $pwsh $startArgs }
        $results += Compare-SideBySide -Name "pwsh start, CPU: the tests' compiled pwsh against the tool's" -Runs $Runs -Target 0.70 `
            -Anchor { Measure-ProcessCpu $tool $startArgs } -Subject { Measure-ProcessCpu $pwsh $startArgs }
    }
    . (Join-Path $PSScriptRoot 'SshBenchmarks.ps1')
    $results += Invoke-SshBenchmarks -Manifest $manifest
}
finally {
    Remove-Item $env:PFA_AZUREDEVOPS_HOME -Recurse -Force -ErrorAction Ignore
}
$results | Format-List | Out-Host
$results | ConvertTo-Json | Set-Content (Join-Path ([IO.Path]::GetTempPath()) 'pfa-bench-results.json')
