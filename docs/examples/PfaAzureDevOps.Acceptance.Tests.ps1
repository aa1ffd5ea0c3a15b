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
    Warn passes with a warning (or fails it with -Data @{ WarningsFail = $true }). A check whose prerequisite failed
    is skipped, naming that prerequisite, so each root cause is reported once (on a fresh machine: no application
    registered, not connected, no SSH key; the client secret, token, key registration and clone checks are skipped).
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
    # What each check needs to have passed first: when that failed, the check says nothing new.
    $prerequisites = @{
        ClientSecret     = @('AppRegistered')
        TokenRefreshable = @('UserConnected')
        SshKeyRegistered = @('UserConnected', 'SshKeyPresent')
        CloneAccess      = @('SshKeyPresent', 'SshKeyRegistered')
    }
    $results = @(Test-PfaAzureDevOpsIntegration @splat -WarningAction SilentlyContinue)
    $failed = @($results | Where-Object { "$($_.Result)" -eq 'Fail' } | ForEach-Object { $_.Name })
    $script:Checks = @($results | ForEach-Object {
            $needs = if ($prerequisites.ContainsKey($_.Name)) { $prerequisites[$_.Name] } else { @() }
            @{ Name = $_.Name; Result = "$($_.Result)"; Message = $_.Message; Target = $_.Target
               FailedPrerequisites = @($needs | Where-Object { $failed -contains $_ } | Select-Object -Unique) }
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
        if ($FailedPrerequisites.Count -gt 0) {
            Set-ItResult -Skipped -Because "$($FailedPrerequisites -join ' and ') failed (see that check)"
            return
        }
        if ($Result -eq 'Warn' -and -not $WarningsFail) {
            Write-Warning "$Name`: $Message"
            return
        }
        $Result | Should -Be 'Pass' -Because $Message
    }
}
