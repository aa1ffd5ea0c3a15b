# How HelpExamples.Tests.ps1 runs the examples of docs/en-US. Every example of every page runs unless it is listed
# under NotRun with the reason it cannot run here; a NotRun entry that names no example fails the test (so stale
# entries do not hide anything). Examples added later run without any entry here, in the default stage.
#
# Stages (each builds on the one before, against the local Azure DevOps):
#   Empty       nothing stored
#   Registered  the instance's application registered for AllUsers and CurrentUser (an instance on 127.0.0.1, so
#               Connect receives the redirect of the headless browser itself)
#   Connected   + the user connected to samplecorp
#   Key         + the user's SSH key (RSA 3072)
#   KeyAdded    + the key added to samplecorp (the default)
#   Cloned      + clones of Modules/puppet-base and Control/control-repo in the working folder
@{
    DefaultStage = 'KeyAdded'

    Pages = @{
        'Register-PfaAzureDevOpsApp'             = @{ Stage = 'Empty' }
        'Open-PfaAzureDevOpsAppRegistrationPage' = @{ Stage = 'Empty' }
        'Connect-PfaAzureDevOps'                 = @{ Stage = 'Registered'; Environment = @{ BROWSER = 'node {Consent}' } }
        'New-PfaSshKey'                          = @{ Stage = 'Connected' }
        'Update-PfaAzureDevOpsRepository'        = @{ Stage = 'Cloned' }
        'about_PfaAzureDevOps'                   = @{ Stage = 'Empty' }
    }

    # Per page or example ('Page/N'): Stage, Environment ({Consent} = tests/Browser/consent.mjs, {Pat} = a personal
# access token of the user; PFA_EXAMPLE_ANSWER is what Read-Host answers); per example: Setup (PowerShell run first,
# in the example's folder). The local Azure DevOps is shared: an example must not take away what later ones need.
    Examples = @{
        'Register-PfaAzureDevOpsApp/4'      = @{ Setup = "Set-Content -Path ./pfa-app.csv -Value 'InstanceUrl,ClientId,Provider,TenantId', 'https://samplecorp.pipelines.com,6f1e5b1c-2d3e-4f50-8a9b-0c1d2e3f4a5b,EntraId,organizations'" }
        'Copy-PfaAzureDevOpsRepository/2'   = @{ Environment = @{ BUILD_DIR = 'build' } }
        'Update-PfaAzureDevOpsRepository/2' = @{ Setup = "Remove-Item -Recurse -Force ./puppet-base" }
        # The reader's own keys, made by ssh-keygen (the passphrase is what Read-Host answers).
        'Add-AzDevOpsSshKey/2'              = @{ Setup = "New-Item -ItemType Directory -Force ~/.ssh | Out-Null; ssh-keygen -q -t rsa -b 3072 -N '' -C reader -f ~/.ssh/id_rsa" }
        'Import-PfaSshKey/1'                = @{ Stage = 'Connected'; Setup = "New-Item -ItemType Directory -Force ~/.ssh | Out-Null; ssh-keygen -q -t rsa -b 3072 -N '' -C reader -f ~/.ssh/id_rsa" }
        'Import-PfaSshKey/2'                = @{ Stage = 'Connected'; Setup = "New-Item -ItemType Directory -Force ~/.ssh | Out-Null; ssh-keygen -q -t rsa -b 3072 -N 'example-answer-0123456789abcdef' -C reader -f ~/.ssh/id_rsa_ado" }
        'Import-PfaSshKey/3'                = @{ Stage = 'Connected'; Setup = "ssh-keygen -q -t rsa -b 3072 -m PEM -N '' -C agent -f ./agent-key.pem" }
        'Add-AzDevOpsSshKey/5'              = @{ Environment = @{ PFA_EXAMPLE_ANSWER = '{Pat}' } }   # what Read-Host answers
        # They remove this machine's key from the shared local Azure DevOps: give them a key of their own.
        'Remove-AzDevOpsSshKey/1'           = @{ Setup = 'New-PfaSshKey -Bits 3072 -Force -InformationAction Ignore | Out-Null; Add-AzDevOpsSshKey -InformationAction Ignore' }
        'Remove-AzDevOpsSshKey/3'           = @{ Setup = 'New-PfaSshKey -Bits 3072 -Force -InformationAction Ignore | Out-Null; Add-AzDevOpsSshKey -Organization samplecorp, contoso -InformationAction Ignore' }
        # Rotation removes the old key from Azure DevOps: rotate a key of its own.
        'Update-PfaSshKey/1'                = @{ Setup = 'New-PfaSshKey -Bits 3072 -Force -InformationAction Ignore | Out-Null; Add-AzDevOpsSshKey -InformationAction Ignore' }
        'Update-PfaSshKey/2'                = @{ Setup = 'Add-AzDevOpsSshKey -Organization contoso -InformationAction Ignore' }   # the plan covers both
        'Update-PfaSshKey/3'                = @{ Setup = 'New-PfaSshKey -Bits 3072 -Force -InformationAction Ignore | Out-Null; Add-AzDevOpsSshKey -Organization samplecorp, contoso -InformationAction Ignore' }
    }

    NotRun = @{
        'Connect-PfaAzureDevOps/2'          = 'the -CallbackUri address is a placeholder for the one the browser ends on'
        'Connect-PfaAzureDevOps/4'          = 'needs a Microsoft Entra ID registration and a person to enter the device code'
        'Connect-PfaAzureDevOps/5'          = 'needs a Microsoft Entra ID registration and an Azure Pipelines job token'
        'Connect-PfaAzureDevOps/6'          = 'needs a Microsoft Entra ID registration, a service principal and a managed identity endpoint'
        'Copy-PfaAzureDevOpsRepository/3'   = 'git.example.com is an example server'
        'Test-PfaAzureDevOpsSshAccess/3'    = 'git.example.com is an example server'
        'Export-PfaSshKey/1'                = 'its second line runs OpenSSH against the real ssh.dev.azure.com'
        'Get-PfaAzureDevOpsAccessToken/1'   = 'calls the projects API, which the local Azure DevOps does not serve'
        'Get-PfaAzureDevOpsAccessToken/2'   = 'calls the projects API, which the local Azure DevOps does not serve'
        'Get-PfaAzureDevOpsAccessToken/4'   = 'calls the projects API, which the local Azure DevOps does not serve'
        'Add-AzDevOpsSshKey/4'              = 'tfs.contoso.com is an example Azure DevOps Server'
        'Update-PfaSshKey/4'                = 'tfs.contoso.com is an example Azure DevOps Server'
        'Register-PfaAzureDevOpsApp/5'      = 'asks for the client secret at a console, and needs the OS group pfa-users'
        'Set-PfaAzureDevOpsApp/5'           = 'needs the OS group pfa-users (creating it changes this machine)'
        'Get-AzDevOpsSshKey/4'              = 'asks for confirmation at a console before removing'
        'Remove-AzDevOpsSshKey/2'           = 'the key id is a placeholder, and it asks for confirmation at a console'
        'Remove-PfaSshKey/1'                = 'asks for confirmation at a console (example 2 is the script form)'
        'Unregister-PfaAzureDevOpsApp/1'    = 'asks for confirmation at a console (example 4 is the script form)'
        'about_PfaAzureDevOps/1'            = 'a walkthrough of both phases with example names; each step runs as its own cmdlet page example'
    }
}
