<#
.SYNOPSIS
    Benchmarks Get-PfaAzureDevOpsAccessToken with a valid cached token, against the local Azure DevOps.

.DESCRIPTION
    Warm: median time of one call in a session that has already made one (target: under 2 ms).
    Cold: whole processes, `pwsh -NoProfile -c "Import-Module PfaAzureDevOps"` (target: at most 1.10x) and
    `... Import-Module PfaAzureDevOps; Get-PfaAzureDevOpsAccessToken` (the first cached token; target: at most 1.20x)
    against a bare `pwsh -NoProfile -c $null`, run interleaved (bare, empty-manifest import, import, import + token, bare, ...), medians and
    both ratios; the empty manifest shows the floor Import-Module itself costs on this machine.
    The connection is made once through the paste path against the emulator's HTTP origin; all state lives in a
    temporary folder that is removed afterwards.

.EXAMPLE
    dotnet pwsh -NoProfile ./bench/AccessToken.ps1 -ModuleRoot ./out/PfaAzureDevOps/0.1.0
#>
[CmdletBinding()]
param(
    # The packaged module folder (out/PfaAzureDevOps/<version>); the newest under out/ when omitted.
    [string] $ModuleRoot,
    [int] $ColdRuns = 15,
    [int] $WarmCalls = 2000
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$repo = Split-Path $PSScriptRoot -Parent
if (-not $ModuleRoot) {
    $ModuleRoot = Get-ChildItem (Join-Path $repo 'out/PfaAzureDevOps') -Directory | Sort-Object { [version]$_.Name } | Select-Object -Last 1 -ExpandProperty FullName
}
$ModuleRoot = (Resolve-Path $ModuleRoot).Path
$moduleBase = Split-Path (Split-Path $ModuleRoot -Parent) -Parent
Import-Module (Join-Path $repo 'tests/TestHelpers/LocalAzureDevOps.psm1') -Force

function Get-Median([double[]] $Values) {
    $sorted = $Values | Sort-Object
    $n = $sorted.Count
    if ($n % 2) { return $sorted[[int][math]::Floor($n / 2)] }
    return ($sorted[$n / 2 - 1] + $sorted[$n / 2]) / 2
}

$stateHome = Join-Path ([IO.Path]::GetTempPath()) ('pfa-bench-' + [guid]::NewGuid().ToString('N'))
$saved = @{ PFA_AZUREDEVOPS_HOME = $env:PFA_AZUREDEVOPS_HOME; PSModulePath = $env:PSModulePath; CI = $env:CI }
$ado = $null
try {
    $env:PFA_AZUREDEVOPS_HOME = $stateHome
    $env:PSModulePath = $moduleBase + [IO.Path]::PathSeparator + $env:PSModulePath
    $env:CI = 'true'
    $ado = Start-LocalAzureDevOps
    $app = Invoke-LocalAzureDevOpsControl -Instance $ado -Method POST -Path '/_test/apps' -Body @{ name = 'bench'; callbackUrl = 'https://pfa.example.test/oauth2/azureDevOps'; scopes = 'vso.code_write' }
    Import-Module PfaAzureDevOps -Force
    Register-PfaAzureDevOpsApp -Provider AzureDevOps -InstanceUrl 'https://pfa.example.test' -ClientId $app.id -ClientSecret (ConvertTo-SecureString $app.clientSecret -AsPlainText -Force) -AuthorizationServer $ado.HttpUrl -Scope CurrentUser -WarningAction SilentlyContinue
    Connect-PfaAzureDevOps -NoBrowser -InformationVariable info -InformationAction SilentlyContinue
    $link = @($info | ForEach-Object { "$_" } | Where-Object { $_ -match '/oauth2/authorize\?' })[0]
    $page = Invoke-WebRequest -Uri $link -NoProxy
    $null = $page.Content -match 'name="consentId" value="([^"]+)"'
    $answer = Invoke-WebRequest -Uri "$($ado.HttpUrl)/oauth2/authorize" -Method Post -NoProxy -MaximumRedirection 0 -SkipHttpErrorCheck -ErrorAction SilentlyContinue `
        -ContentType 'application/x-www-form-urlencoded' -Body "consentId=$([uri]::EscapeDataString($Matches[1]))&decision=accept"
    Connect-PfaAzureDevOps -CallbackUri ([string]$answer.Headers.Location[0]) -WarningAction SilentlyContinue
    $null = Get-PfaAzureDevOpsAccessToken
    Invoke-LocalAzureDevOpsControl -Instance $ado -Method DELETE -Path '/_test/counters' | Out-Null

    # Warm: one call at a time, timed individually.
    $sw = [Diagnostics.Stopwatch]::new()
    $warm = [double[]]::new($WarmCalls)
    for ($i = 0; $i -lt $WarmCalls; $i++) {
        $sw.Restart()
        $null = Get-PfaAzureDevOpsAccessToken
        $warm[$i] = $sw.Elapsed.TotalMilliseconds
    }
    $warmMedian = Get-Median $warm
    $warmP90 = ($warm | Sort-Object)[[int]($WarmCalls * 0.9)]

    # Cold: whole processes, interleaved (bare, import, import + token, ...) so machine noise hits all three alike.
    $pwsh = Join-Path $PSHOME 'pwsh'
    $bare = [Collections.Generic.List[double]]::new()
    $import = [Collections.Generic.List[double]]::new()
    $module = [Collections.Generic.List[double]]::new()
    $floor = [Collections.Generic.List[double]]::new()
    # The floor: what Import-Module costs for a module with nothing in it (an empty manifest).
    $emptyModule = Join-Path $stateHome 'EmptyManifest'
    New-Item -ItemType Directory -Path $emptyModule -Force | Out-Null
    Set-Content -Path (Join-Path $emptyModule 'EmptyManifest.psd1') -Value "@{ ModuleVersion = '1.0.0'; GUID = '$([guid]::NewGuid())'; FunctionsToExport = @(); CmdletsToExport = @(); VariablesToExport = @(); AliasesToExport = @() }"
    $importEmpty = "Import-Module '$(Join-Path $emptyModule 'EmptyManifest.psd1')'"
    $importOnly = 'Import-Module PfaAzureDevOps'
    $withToken = "Import-Module PfaAzureDevOps; `$null = Get-PfaAzureDevOpsAccessToken -ErrorAction Stop"
    & $pwsh -NoProfile -NonInteractive -c $withToken | Out-Null   # warm the disk cache
    for ($i = 0; $i -lt $ColdRuns; $i++) {
        $sw.Restart(); & $pwsh -NoProfile -NonInteractive -c '$null' | Out-Null; $bare.Add($sw.Elapsed.TotalMilliseconds)
        $sw.Restart(); & $pwsh -NoProfile -NonInteractive -c $importEmpty | Out-Null; $floor.Add($sw.Elapsed.TotalMilliseconds)
        $sw.Restart(); & $pwsh -NoProfile -NonInteractive -c $importOnly | Out-Null; $import.Add($sw.Elapsed.TotalMilliseconds)
        if ($LASTEXITCODE -ne 0) { throw 'The cold import failed.' }
        $sw.Restart(); & $pwsh -NoProfile -NonInteractive -c $withToken | Out-Null
        if ($LASTEXITCODE -ne 0) { throw 'The cold run failed.' }
        $module.Add($sw.Elapsed.TotalMilliseconds)
    }
    $bareMedian = Get-Median $bare.ToArray()
    $importMedian = Get-Median $import.ToArray()
    $moduleMedian = Get-Median $module.ToArray()
    $floorMedian = Get-Median $floor.ToArray()
    $counters = Invoke-LocalAzureDevOpsControl -Instance $ado -Path '/_test/counters'
    $importRatio = $importMedian / $bareMedian
    $tokenRatio = $moduleMedian / $bareMedian

    $rows = @(
        [pscustomobject]@{ Benchmark = 'warm Get-PfaAzureDevOpsAccessToken (median per call)'; Value = '{0:0.000} ms (p90 {1:0.000} ms, {2} calls)' -f $warmMedian, $warmP90, $WarmCalls; Target = '< 2 ms'; Met = $warmMedian -lt 2 }
        [pscustomobject]@{ Benchmark = 'cold pwsh -NoProfile -c $null (median)'; Value = '{0:0} ms ({1} runs)' -f $bareMedian, $ColdRuns; Target = 'anchor'; Met = $null }
        [pscustomobject]@{ Benchmark = 'cold pwsh: Import-Module of an empty manifest (the floor)'; Value = '{0:0} ms, {1:0.00}x' -f $floorMedian, ($floorMedian / $bareMedian); Target = 'reference'; Met = $null }
        [pscustomobject]@{ Benchmark = 'cold pwsh: Import-Module (median)'; Value = '{0:0} ms ({1} runs)' -f $importMedian, $ColdRuns; Target = ''; Met = $null }
        [pscustomobject]@{ Benchmark = 'cold pwsh: Import-Module + Get-PfaAzureDevOpsAccessToken (median)'; Value = '{0:0} ms ({1} runs)' -f $moduleMedian, $ColdRuns; Target = ''; Met = $null }
        [pscustomobject]@{ Benchmark = 'cold ratio: Import-Module / bare'; Value = '{0:0.00}x (+{1:0} ms)' -f $importRatio, ($importMedian - $bareMedian); Target = '<= 1.10x'; Met = $importRatio -le 1.10 }
        [pscustomobject]@{ Benchmark = 'cold ratio: Import-Module + first cached token / bare'; Value = '{0:0.00}x (+{1:0} ms)' -f $tokenRatio, ($moduleMedian - $bareMedian); Target = '<= 1.20x'; Met = $tokenRatio -le 1.20 }
        [pscustomobject]@{ Benchmark = 'token requests during the runs'; Value = "$($counters.tokenRequests)"; Target = '0'; Met = $counters.tokenRequests -eq 0 }
    )
    $rows | Format-Table -AutoSize | Out-String -Width 200 | Write-Host
    $rows
}
finally {
    if ($ado) { Stop-LocalAzureDevOps -Instance $ado }
    foreach ($k in $saved.Keys) { [Environment]::SetEnvironmentVariable($k, $saved[$k]) }
    if (Test-Path $stateHome) { Remove-Item $stateHome -Recurse -Force }
}
