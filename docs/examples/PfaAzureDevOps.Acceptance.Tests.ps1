#requires -Modules Pester
<#
    An acceptance check of a PFA instance's Azure DevOps integration, for the account that runs it.
    Run it as the user whose integration you want to prove (after Connect-PfaAzureDevOps, New-PfaSshKey and
    Add-AzDevOpsSshKey):

        Invoke-Pester ./PfaAzureDevOps.Acceptance.Tests.ps1

    Give the repositories to prove clone access to, and for servers other than ssh.dev.azure.com the host key:

        $c = New-PesterContainer -Path ./PfaAzureDevOps.Acceptance.Tests.ps1 -Data @{
            RepositoryUrl = 'git@ssh.dev.azure.com:v3/samplecorp/Modules/puppet-base' }
        Invoke-Pester -Container $c

    Every check of Test-PfaAzureDevOpsIntegration becomes a test: Fail fails it (the message says what to do),
    Warn passes with a warning (or fails it with -Data @{ WarningsFail = $true }).
#>
param(
    [string[]] $RepositoryUrl = @(),
    [string] $Organization,
    [string] $HostKeyFingerprint,
    [switch] $WarningsFail
)

BeforeDiscovery {
    Import-Module PfaAzureDevOps
    $splat = @{}
    if ($RepositoryUrl) { $splat.RepositoryUrl = $RepositoryUrl }
    if ($Organization) { $splat.Organization = $Organization }
    if ($HostKeyFingerprint) { $splat.HostKeyFingerprint = $HostKeyFingerprint }
    $script:Checks = @(Test-PfaAzureDevOpsIntegration @splat | ForEach-Object {
            @{ Name = $_.Name; Result = "$($_.Result)"; Message = $_.Message; Target = $_.Target }
        })
}

Describe 'PFA Azure DevOps integration' {
    It 'runs every check' {
        $names = $Checks | ForEach-Object { $_.Name }
        foreach ($expected in 'AppRegistered', 'ClientSecret', 'UserConnected', 'TokenRefreshable', 'SshKeyPresent', 'SshKeyRegistered') {
            $names | Should -Contain $expected
        }
    }

    It '<Name> <Target>' -ForEach $Checks {
        if ($Result -eq 'Warn' -and -not $WarningsFail) {
            Write-Warning "$Name`: $Message"
            return
        }
        $Result | Should -Be 'Pass' -Because $Message
    }
}
