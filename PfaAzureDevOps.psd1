@{
    # The one place the module version lives: build.ps1 reads it and stamps it into the assemblies.
    ModuleVersion        = '0.1.0'
    RootModule           = 'PfaAzureDevOps.dll'
    GUID                 = '5c47c394-e427-49b9-8d1e-7a0f6b3c2a91'
    Author               = 'PfaAzureDevOps contributors'
    CompanyName          = 'PfaAzureDevOps'
    Copyright            = '(c) PfaAzureDevOps contributors. MIT License.'
    Description          = 'Connects a Pipelines for Applications (PFA) instance to Azure DevOps: registers its OAuth application (Azure DevOps OAuth or Microsoft Entra ID), connects users, manages their SSH keys and checks clone access over SSH.'
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = @('Desktop', 'Core')
    DotNetFrameworkVersion = '4.7.2'
    # No FormatsToProcess: the views in PfaAzureDevOps.format.ps1xml load when a cmdlet first writes one of the
    # module's objects (PfaCmdlet), so Import-Module and a token-only pipeline step do not pay for them.
    CmdletsToExport      = @(
        'Register-PfaAzureDevOpsApp'
        'Get-PfaAzureDevOpsApp'
        'Set-PfaAzureDevOpsApp'
        'Unregister-PfaAzureDevOpsApp'
        'Open-PfaAzureDevOpsAppRegistrationPage'
        'Connect-PfaAzureDevOps'
        'Get-PfaAzureDevOpsConnection'
        'Disconnect-PfaAzureDevOps'
        'Get-PfaAzureDevOpsAccessToken'
        'New-PfaSshKey'
        'Get-PfaSshPublicKey'
        'Remove-PfaSshKey'
        'Export-PfaSshKey'
        'Import-PfaSshKey'
        'Update-PfaSshKey'
        'Test-PfaAzureDevOpsSshAccess'
        'Copy-PfaAzureDevOpsRepository'
        'Update-PfaAzureDevOpsRepository'
        'Add-AzDevOpsSshKey'
        'Get-AzDevOpsSshKey'
        'Remove-AzDevOpsSshKey'
        'Test-PfaAzureDevOpsIntegration'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('AzureDevOps', 'OAuth', 'EntraID', 'MSAL', 'SSH', 'PFA', 'Linux', 'Windows', 'MacOS')
            ReleaseNotes = 'See README.md.'
        }
    }
}
