#requires -Modules Pester
# Each case runs in a brand-new pwsh, so what is loaded first really is loaded first.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../TestHelpers/TestHelpers.psm1') -Force
    $script:Manifest = Get-TestModuleManifest
    $script:ModuleDir = Split-Path $Manifest -Parent
    $script:OurMsal = Join-Path $ModuleDir 'dependencies/core/Microsoft.Identity.Client.dll'
    # What each child prints about our MSAL after a cmdlet has used it.
    $script:Probe = @'
$ErrorActionPreference = 'Stop'
$env:PFA_AZUREDEVOPS_HOME = Join-Path ([IO.Path]::GetTempPath()) ('pfa-iso-' + [guid]::NewGuid().ToString('N'))
Register-PfaAzureDevOpsApp -Provider EntraId -InstanceUrl https://pfa.example.com -ClientId 6f1e5b1c-2d3e-4f50-8a9b-0c1d2e3f4a5b -TenantId contoso.onmicrosoft.com -Scope CurrentUser -PassThru | Out-Null
$ours = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'Microsoft.Identity.Client' -and [Runtime.Loader.AssemblyLoadContext]::GetLoadContext($_).Name -eq 'PfaAzureDevOps' }
$others = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'Microsoft.Identity.Client' -and [Runtime.Loader.AssemblyLoadContext]::GetLoadContext($_).Name -ne 'PfaAzureDevOps' }
"OURS=$(@($ours).Count)|$($ours.GetName().Version)|$($ours.Location)"
"OTHERS=$(@($others).Count)|$(($others | ForEach-Object { $_.GetName().Version }) -join ',')"
Remove-Item $env:PFA_AZUREDEVOPS_HOME -Recurse -Force
'@
    function Read-Probe([string] $Text) {
        $ours = ($Text -split "`n" | Where-Object { $_ -like 'OURS=*' }) -replace '^OURS=', ''
        $others = ($Text -split "`n" | Where-Object { $_ -like 'OTHERS=*' }) -replace '^OTHERS=', ''
        $o = $ours -split '\|'
        [pscustomobject]@{ Count = [int]$o[0]; Version = $o[1]; Location = $o[2]; Others = $others }
    }
}

Describe 'Dependency isolation on PowerShell 7' {
    It 'importing the module loads no engine or dependency assembly (lazy)' {
        $r = Invoke-FreshPwsh -Script @'
Import-Module PfaAzureDevOps
$names = [AppDomain]::CurrentDomain.GetAssemblies() | ForEach-Object { $_.GetName().Name }
"CORE=$($names -contains 'PfaAzureDevOps.Core')"
"MSAL=$($names -contains 'Microsoft.Identity.Client')"
"SSH=$($names -contains 'Renci.SshNet')"
'@
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $r.Text | Should -Match 'CORE=False'
        $r.Text | Should -Match 'MSAL=False'
        $r.Text | Should -Match 'SSH=False'
    }

    It 'our MSAL runs in our context when nothing else is loaded' {
        $r = Invoke-FreshPwsh -Script ("Import-Module PfaAzureDevOps`n" + $Probe)
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $p = Read-Probe $r.Text
        $p.Count | Should -Be 1
        $p.Version | Should -Be '4.92.0.0'
        $p.Location | Should -Be $OurMsal
    }

    It 'an older MSAL (the one pwsh ships in PSResourceGet) loaded first does not leak into our engine' {
        $older = Get-ChildItem (Join-Path $PSHOME 'Modules') -Recurse -Filter 'Microsoft.Identity.Client.dll' | Select-Object -First 1
        $older | Should -Not -BeNullOrEmpty -Because 'pwsh 7.6 ships MSAL inside PSResourceGet'
        $r = Invoke-FreshPwsh -Script ("[void][Reflection.Assembly]::LoadFrom('$($older.FullName)')`nImport-Module PfaAzureDevOps`n" + $Probe)
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $p = Read-Probe $r.Text
        $p.Count | Should -Be 1
        $p.Version | Should -Be '4.92.0.0'
        $p.Location | Should -Be $OurMsal
        $p.Others | Should -Match '^1\|4\.73' -Because 'the other copy stays where it was loaded'
    }

    It 'the very same MSAL version loaded alone from another folder is not taken for ours' {
        $elsewhere = Join-Path ([IO.Path]::GetTempPath()) ('pfa-msal-' + [guid]::NewGuid().ToString('N'))
        New-Item -ItemType Directory $elsewhere | Out-Null
        try {
            Copy-Item $OurMsal $elsewhere
            $copy = Join-Path $elsewhere 'Microsoft.Identity.Client.dll'
            $r = Invoke-FreshPwsh -Script ("[void][Reflection.Assembly]::LoadFrom('$copy')`nImport-Module PfaAzureDevOps`n" + $Probe)
            $r.ExitCode | Should -Be 0 -Because $r.Text
            $p = Read-Probe $r.Text
            $p.Count | Should -Be 1
            $p.Location | Should -Be $OurMsal
            $p.Others | Should -Match '^1\|4\.92'
        }
        finally { Remove-Item $elsewhere -Recurse -Force }
    }

    It 'survives re-import with -Force and Remove-Module + Import-Module' {
        $r = Invoke-FreshPwsh -Script ("Import-Module PfaAzureDevOps`nImport-Module PfaAzureDevOps -Force`nRemove-Module PfaAzureDevOps`nImport-Module PfaAzureDevOps`n" + $Probe)
        $r.ExitCode | Should -Be 0 -Because $r.Text
        (Read-Probe $r.Text).Location | Should -Be $OurMsal
    }

    It 'auto-loads on first use of a cmdlet' {
        $r = Invoke-FreshPwsh -Script $Probe
        $r.ExitCode | Should -Be 0 -Because $r.Text
        (Read-Probe $r.Text).Location | Should -Be $OurMsal
    }

    It 'a ForEach-Object -Parallel runspace that imports and removes the module does not break the first runspace' {
        $r = Invoke-FreshPwsh -Script (@'
Import-Module PfaAzureDevOps
# Environment variables are process-wide: the parallel runspaces share one state folder (the store's locks keep it safe).
$env:PFA_AZUREDEVOPS_HOME = Join-Path ([IO.Path]::GetTempPath()) ('pfa-par-' + [guid]::NewGuid().ToString('N'))
1..3 | ForEach-Object -Parallel {
    Import-Module PfaAzureDevOps
    Register-PfaAzureDevOpsApp -Provider EntraId -InstanceUrl https://pfa.example.com -ClientId 6f1e5b1c-2d3e-4f50-8a9b-0c1d2e3f4a5b -Scope CurrentUser -Force
    Remove-Module PfaAzureDevOps
} -ThrottleLimit 3
Remove-Item $env:PFA_AZUREDEVOPS_HOME -Recurse -Force
'@ + "`n" + $Probe + "`n'SAME-RUNSPACE-OK'")
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $r.Text | Should -Match 'SAME-RUNSPACE-OK'
        (Read-Probe $r.Text).Location | Should -Be $OurMsal
    }

    It 'output types live in the cmdlets assembly, visible to PowerShell' {
        $r = Invoke-FreshPwsh -Script @'
Import-Module PfaAzureDevOps
[PfaAzureDevOps.PfaAzureDevOpsApp].Assembly.GetName().Name
[Runtime.Loader.AssemblyLoadContext]::GetLoadContext([PfaAzureDevOps.PfaAzureDevOpsApp].Assembly).Name
'@
        $r.Output[0] | Should -Be 'PfaAzureDevOps'
        $r.Output[1] | Should -Be 'Default'
    }
}
