<#
.SYNOPSIS
    One Pester worker: in this (fresh) pwsh, against the packaged module, runs test files taken one at a time from a
    shared queue until the queue is empty.

.DESCRIPTION
    build/BuildTools.psm1 (Start-PesterTests) starts one or more of these side by side. The queue is a folder of
    ticket files named '<order>-<file name>' holding the test file's full path; a worker owns a file once it has
    renamed the ticket into the 'claimed' folder (a rename succeeds for exactly one worker), so every file runs once.
    For each file the worker writes, into the results folder:
      <name>.log   everything the file printed (Pester's Detailed output and any other stream), as plain text
      <name>.xml   the NUnit result file (per-test durations)
      <name>.json  the counts and the file's wall time, written last: the run of that file is complete
    Files in one worker run one after another in this process, as the whole suite once did in a single process.
#>
param(
    [Parameter(Mandatory)] [string] $PesterManifest,
    [Parameter(Mandatory)] [string] $ModuleRoot,
    [Parameter(Mandatory)] [string] $QueueDirectory,
    [Parameter(Mandatory)] [string] $ResultDirectory,
    [string] $WorkerName = 'worker'
)
$ErrorActionPreference = 'Stop'
# Start-PesterTests ran this pwsh without tiered compilation (DOTNET_TieredCompilation=0; the runtime read it at start);
# what this worker starts gets the variable as it was (build/BuildTools.psm1 says why).
if ($null -ne $env:PFA_WORKER_TIERED_COMPILATION) {
    if ($env:PFA_WORKER_TIERED_COMPILATION) { $env:DOTNET_TieredCompilation = $env:PFA_WORKER_TIERED_COMPILATION }
    else { Remove-Item Env:DOTNET_TieredCompilation -ErrorAction Ignore }
    Remove-Item Env:PFA_WORKER_TIERED_COMPILATION
}
Import-Module $PesterManifest -Force
Import-Module (Join-Path $PSScriptRoot '../build/BuildTools.psm1') -Function Get-CpuSeconds   # CPU of this process and its reaped children

# The packaged module is found by name, as users find it: its out/ folder goes first on PSModulePath.
$moduleBase = Split-Path (Split-Path $ModuleRoot -Parent) -Parent
$env:PSModulePath = $moduleBase + [IO.Path]::PathSeparator + $env:PSModulePath
$env:PFA_TEST_MODULE_MANIFEST = Join-Path $ModuleRoot 'PfaAzureDevOps.psd1'
$env:PFA_TEST_REPOSITORY = Split-Path $PSScriptRoot -Parent

$claimed = Join-Path $QueueDirectory 'claimed'

function Get-NextTestFile {
    foreach ($ticket in @(Get-ChildItem -LiteralPath $QueueDirectory -File | Sort-Object Name)) {
        $target = Join-Path $claimed $ticket.Name
        try { [IO.File]::Move($ticket.FullName, $target) }
        catch [IO.FileNotFoundException] { continue }   # another worker took it first
        catch [IO.IOException] { continue }
        return [pscustomobject]@{ Name = $ticket.Name; Path = (Get-Content -LiteralPath $target -Raw).Trim() }
    }
    return $null
}

while ($next = Get-NextTestFile) {
    $name = [IO.Path]::GetFileNameWithoutExtension($next.Path) -replace '\.Tests$', ''
    $log = [IO.StreamWriter]::new((Join-Path $ResultDirectory "$name.log"), $false, [Text.UTF8Encoding]::new($false))
    $log.AutoFlush = $true
    $config = New-PesterConfiguration
    $config.Run.Path = @($next.Path)
    $config.Run.PassThru = $true
    $config.Run.Exit = $false
    $config.Output.Verbosity = 'Detailed'
    $config.Output.RenderMode = 'Plaintext'
    $config.TestResult.Enabled = $true
    $config.TestResult.OutputPath = Join-Path $ResultDirectory "$name.xml"
    $config.Should.ErrorAction = 'Stop'
    $cpu = Get-CpuSeconds
    $ownCpu = Get-CpuSeconds -Own
    $watch = [Diagnostics.Stopwatch]::StartNew()
    $result = $null
    $crash = $null
    try {
        # Every stream of the run goes to the file's log; Write-Host's pieces keep their line breaks.
        Invoke-Pester -Configuration $config *>&1 | ForEach-Object {
            if ($_.PSObject.TypeNames -contains 'Pester.Run') { $result = $_; return }
            if ($_ -is [Management.Automation.InformationRecord] -and $_.MessageData -is [Management.Automation.HostInformationMessage]) {
                if ($_.MessageData.NoNewLine) { $log.Write([string]$_.MessageData.Message) } else { $log.WriteLine([string]$_.MessageData.Message) }
                return
            }
            $log.WriteLine([string]$_)
        }
    }
    catch { $crash = $_; $log.WriteLine("The Pester run of $($next.Path) stopped: $_") }
    finally { $log.Dispose() }
    $watch.Stop()
    $failedContainers = if ($result) { @($result.Containers | Where-Object { $_.Result -eq 'Failed' }).Count } else { 1 }
    [pscustomobject]@{
        File             = [IO.Path]::GetFileName($next.Path)
        Worker           = $WorkerName
        Seconds          = [Math]::Round($watch.Elapsed.TotalSeconds, 1)
        CpuSeconds       = [Math]::Round((Get-CpuSeconds) - $cpu, 1)
        OwnCpuSeconds    = [Math]::Round((Get-CpuSeconds -Own) - $ownCpu, 1)
        Passed           = if ($result) { $result.PassedCount } else { 0 }
        Failed           = if ($result) { $result.FailedCount } else { 0 }
        Skipped          = if ($result) { $result.SkippedCount } else { 0 }
        FailedContainers = $failedContainers
        FailedBlocks     = if ($result) { $result.FailedBlocksCount } else { 0 }
        Crash            = if ($crash) { "$crash" } else { $null }
    } | ConvertTo-Json | Set-Content -LiteralPath (Join-Path $ResultDirectory "$name.json.tmp") -Encoding utf8
    # Renamed into place, so the parent never reads a half-written result (an empty file parses as $null).
    Move-Item -LiteralPath (Join-Path $ResultDirectory "$name.json.tmp") -Destination (Join-Path $ResultDirectory "$name.json") -Force
}
# The local Azure DevOps the files shared (Enter-TestSession), stopped and reaped here: its CPU (and its sshd's, with the
# sshd's session children) counts in no file, so it is written as <WorkerName>.servers.json for the parent to print.
# ReapedInFilesCpuSeconds: servers stopped earlier (replaced in a lease, or stopped by a test), already counted in the
# CpuSeconds of the file during which it happened; Replaced: how many leases found the server not resetting.
if ('PfaAzureDevOps.TestServers.WorkerAzureDevOps' -as [type]) {
    $worker = [PfaAzureDevOps.TestServers.WorkerAzureDevOps]
    $reapedInFiles = $worker::ReapedCpuSeconds
    $cpu = Get-CpuSeconds
    $worker::Stop()
    [pscustomobject]@{
        Worker                  = $WorkerName
        CpuSeconds              = [Math]::Round((Get-CpuSeconds) - $cpu, 1)
        ReapedInFilesCpuSeconds = [Math]::Round($reapedInFiles, 1)
        Replaced                = $worker::Replaced
    } | ConvertTo-Json | Set-Content -LiteralPath (Join-Path $ResultDirectory "$WorkerName.servers.json.tmp") -Encoding utf8
    Move-Item -LiteralPath (Join-Path $ResultDirectory "$WorkerName.servers.json.tmp") -Destination (Join-Path $ResultDirectory "$WorkerName.servers.json") -Force
}
exit 0
