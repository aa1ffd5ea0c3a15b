#requires -Modules Pester
# Installable the usual way (issue 10): the packaged module publishes to a temporary PSResourceGet file repository,
# installs from it into a temporary module path, imports and works in a fresh pwsh, and uninstalls; the package
# carries its LICENSE and no manifest key is empty. Get-Help -Online never opens an unrelated page.
# Everything PSResourceGet writes (its repository list, the installed module) goes under a temporary HOME.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../TestHelpers/TestHelpers.psm1') -Force
    $script:ModuleRoot = Split-Path (Get-TestModuleManifest) -Parent
    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ('pfa-package-' + [guid]::NewGuid().ToString('N').Substring(0, 10))
    New-Item -ItemType Directory -Path (Join-Path $Work 'home') -Force | Out-Null

    # A fresh pwsh that knows nothing of out/ (PSModulePath as a user has it, under the temporary XDG_DATA_HOME).
    function script:Invoke-Clean([string] $Script) {
        $file = Join-Path $Work ('step-' + [guid]::NewGuid().ToString('N').Substring(0, 6) + '.ps1')
        Set-Content -Path $file -Encoding utf8 -Value ("`$ErrorActionPreference = 'Stop'`n" + $Script)
        $psi = [Diagnostics.ProcessStartInfo]::new((Join-Path $PSHOME 'pwsh'))
        foreach ($a in '-NoProfile', '-NonInteractive', '-File', $file) { $psi.ArgumentList.Add($a) }
        $psi.UseShellExecute = $false
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $psi.RedirectStandardInput = $true
        # PSResourceGet installs CurrentUser modules under HOME (not XDG_DATA_HOME): a temporary HOME keeps its
        # repository list and the installed module away from the real ones, and pwsh's own PSModulePath follows.
        $psi.Environment['HOME'] = Join-Path $Work 'home'
        foreach ($k in 'XDG_DATA_HOME', 'XDG_CACHE_HOME', 'XDG_CONFIG_HOME') { [void]$psi.Environment.Remove($k) }
        $psi.Environment['PFA_AZUREDEVOPS_HOME'] = Join-Path $Work 'state'
        $psi.Environment['CI'] = 'true'
        [void]$psi.Environment.Remove('PSModulePath')
        $p = [Diagnostics.Process]::Start($psi)
        try {
            $p.StandardInput.Close()
            $out = $p.StandardOutput.ReadToEndAsync(); $err = $p.StandardError.ReadToEndAsync()
            if (-not $p.WaitForExit(180000)) { $p.Kill($true); throw "Timed out: $Script" }
            $text = $out.GetAwaiter().GetResult() + $err.GetAwaiter().GetResult()
            [pscustomobject]@{ ExitCode = $p.ExitCode; Text = $text; Output = @($text -split "`r?`n") }
        }
        finally { $p.Dispose() }
    }

    function script:Read-Value([object] $Result, [string] $Name) {
        @($Result.Output | Where-Object { $_ -like "$Name=*" } | ForEach-Object { $_.Substring($Name.Length + 1).Trim() }) | Select-Object -First 1
    }
}

AfterAll {
    if ($Work -and (Test-Path $Work)) { Remove-Item $Work -Recurse -Force }
}

Describe 'The package' {
    It 'has a LICENSE file and no empty manifest key' {
        Test-Path (Join-Path $ModuleRoot 'LICENSE') | Should -BeTrue
        Get-Content -Raw (Join-Path $ModuleRoot 'LICENSE') | Should -Match 'MIT License'
        $manifest = Import-PowerShellDataFile (Join-Path $ModuleRoot 'PfaAzureDevOps.psd1')
        $empty = [Collections.Generic.List[string]]::new()
        function Find-Empty($Table, [string] $Prefix) {
            foreach ($k in $Table.Keys) {
                $v = $Table[$k]
                if ($v -is [hashtable]) { Find-Empty $v "$Prefix$k." }
                elseif ($v -is [string] -and [string]::IsNullOrWhiteSpace($v)) { $empty.Add("$Prefix$k") }
            }
        }
        Find-Empty $manifest ''
        $empty | Should -BeNullOrEmpty
    }

    It 'publishes to a temporary file repository, installs from it, imports and works in a fresh pwsh, and uninstalls' {
        $repo = Join-Path $Work 'repo'
        New-Item -ItemType Directory -Path $repo | Out-Null
        $version = (Import-PowerShellDataFile (Join-Path $ModuleRoot 'PfaAzureDevOps.psd1')).ModuleVersion

        $publish = Invoke-Clean @"
if (-not `$HOME.StartsWith('$Work')) { throw "Not isolated: HOME is `$HOME." }
Register-PSResourceRepository -Name PfaTestRepo -Uri '$repo' -Trusted
Publish-PSResource -Path '$ModuleRoot' -Repository PfaTestRepo
'NUPKG=' + (Get-ChildItem '$repo' -Filter *.nupkg).Name
Add-Type -AssemblyName System.IO.Compression.FileSystem
`$zip = [IO.Compression.ZipFile]::OpenRead((Get-ChildItem '$repo' -Filter *.nupkg).FullName)
try { 'ENTRIES=' + ((`$zip.Entries.FullName | Where-Object { `$_ -in 'LICENSE', 'PfaAzureDevOps.psd1', 'PfaAzureDevOps.dll', 'en-US/PfaAzureDevOps.dll-Help.xml' } | Sort-Object) -join ',') } finally { `$zip.Dispose() }
Install-PSResource -Name PfaAzureDevOps -Repository PfaTestRepo -Scope CurrentUser -TrustRepository
'INSTALLED=' + (Get-InstalledPSResource -Name PfaAzureDevOps).InstalledLocation
"@
        $publish.ExitCode | Should -Be 0 -Because $publish.Text
        Read-Value $publish 'NUPKG' | Should -Be "PfaAzureDevOps.$version.nupkg"
        Read-Value $publish 'ENTRIES' | Should -Be 'en-US/PfaAzureDevOps.dll-Help.xml,LICENSE,PfaAzureDevOps.dll,PfaAzureDevOps.psd1'
        Read-Value $publish 'INSTALLED' | Should -BeLike "$(Join-Path $Work 'home')*"

        $use = Invoke-Clean @"
Import-Module PfaAzureDevOps
'BASE=' + (Get-Module PfaAzureDevOps).ModuleBase
New-PfaSshKey -KeyType Ed25519 -WarningAction SilentlyContinue
'KEY=' + (Get-PfaSshPublicKey).KeyType
'HELP=' + (Get-Help New-PfaSshKey).Synopsis
"@
        $use.ExitCode | Should -Be 0 -Because $use.Text
        Read-Value $use 'BASE' | Should -BeLike "$(Join-Path $Work 'home')*$version"
        Read-Value $use 'KEY' | Should -Be 'Ed25519'
        Read-Value $use 'HELP' | Should -Match 'SSH key'

        $remove = Invoke-Clean @"
Uninstall-PSResource -Name PfaAzureDevOps -Scope CurrentUser
'LEFT=' + @(Get-Module -ListAvailable PfaAzureDevOps).Count
"@
        $remove.ExitCode | Should -Be 0 -Because $remove.Text
        Read-Value $remove 'LEFT' | Should -Be '0'
    }
}

Describe 'Get-Help -Online' {
    It 'opens no page for any cmdlet (there is no online help) and says so' {
        $opened = Join-Path $Work 'opened.txt'
        $browser = Join-Path $Work 'browser.sh'
        Set-Content -Path $browser -Value "#!/bin/sh`necho `"`$1`" >> '$opened'"
        & chmod +x $browser
        $r = Invoke-Clean @"
`$env:BROWSER = '$browser'
Import-Module '$(Join-Path $ModuleRoot 'PfaAzureDevOps.psd1')'
foreach (`$c in Get-Command -Module PfaAzureDevOps) {
    try { Get-Help `$c.Name -Online -ErrorAction Stop | Out-Null; 'OPENED=' + `$c.Name } catch { 'REFUSED=' + `$_.Exception.Message }
}
"@
        $r.Output -like 'OPENED=*' | Should -BeNullOrEmpty -Because $r.Text
        @($r.Output -like 'REFUSED=*').Count | Should -BeGreaterOrEqual 20
        $r.Output -like 'REFUSED=*' | ForEach-Object { $_ | Should -Match 'online version of this Help topic cannot be displayed' }
        Test-Path $opened | Should -BeFalse
        # The web pages stay readable in the related links.
        (Get-Help New-PfaSshKey -Full | Out-String) | Should -Match 'https://learn.microsoft.com/azure/devops/repos/git/use-ssh-keys-to-authenticate'
    }
}
