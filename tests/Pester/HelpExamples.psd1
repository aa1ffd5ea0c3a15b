# How the HelpExamples*.Tests.ps1 files run the examples of docs/en-US (the runner: tests/TestHelpers/HelpExamples.psm1).
# Every example of every page runs unless it is listed under NotRun with the reason it cannot run here; a NotRun or
# Examples entry that names no example fails HelpExamples.Tests.ps1 (so stale entries do not hide anything). Pages and
# examples added later run without any entry here, in the default stage, in the file whose Files list is '*'.
#
# Stages (against the file's own local Azure DevOps; each file builds only those its examples start from):
#   Empty       nothing stored
#   Registered  the instance's application registered for AllUsers and CurrentUser (an instance on 127.0.0.1, so
#               Connect receives the redirect of the browser command itself)
#   Connected   + the user connected to samplecorp
#   Key         + the user's SSH key (RSA 2048, from ssh-keygen, imported by Import-PfaSshKey)
#   KeyAdded    + the key added to samplecorp (the default)
#   SpareKey    KeyAdded, but this machine's key is another one, not in Azure DevOps yet: for the examples that remove
#               or replace this machine's key there, so the stage key stays for the others
#   Cloned      KeyAdded + clones of Modules/puppet-base and Control/control-repo in the working folder
@{
    DefaultStage = 'KeyAdded'

    # Which file runs a page: each page in exactly one list, or else in the '*' file (HelpExamples.Tests.ps1 checks
    # that every page lands in exactly one file, and that every HelpExamples*.Tests.ps1 file is listed here). Two files
    # so that two Pester workers run them at once, each with its own local Azure DevOps and stages.
    Files = @{
        # The admin phase, connecting, and making the key: stages Empty, Registered, Connected.
        'HelpExamplesConnect.Tests.ps1' = @(
            'Register-PfaAzureDevOpsApp', 'Open-PfaAzureDevOpsAppRegistrationPage', 'Get-PfaAzureDevOpsApp', 'Set-PfaAzureDevOpsApp',
            'Unregister-PfaAzureDevOpsApp', 'Connect-PfaAzureDevOps', 'Get-PfaAzureDevOpsConnection', 'Disconnect-PfaAzureDevOps',
            'Get-PfaAzureDevOpsAccessToken', 'New-PfaSshKey', 'about_PfaAzureDevOps'
        )
        # Importing the key, the key in Azure DevOps, the repositories, and every page not named above: Connected,
        # KeyAdded, SpareKey, Cloned (the two files take about the same CPU time).
        'HelpExamplesKeys.Tests.ps1'    = @('*')
    }

    Pages = @{
        'Register-PfaAzureDevOpsApp'             = @{ Stage = 'Empty' }
        'Open-PfaAzureDevOpsAppRegistrationPage' = @{ Stage = 'Empty' }
        'Connect-PfaAzureDevOps'                 = @{ Stage = 'Registered'; Environment = @{ BROWSER = 'node {Consent}' } }
        'New-PfaSshKey'                          = @{ Stage = 'Connected' }
        'Update-PfaAzureDevOpsRepository'        = @{ Stage = 'Cloned' }
        'about_PfaAzureDevOps'                   = @{ Stage = 'Empty' }
        # The administrator's cmdlets need only the registration; the connection's own cmdlets only the connection.
        'Get-PfaAzureDevOpsApp'                  = @{ Stage = 'Registered' }
        'Set-PfaAzureDevOpsApp'                  = @{ Stage = 'Registered' }
        'Unregister-PfaAzureDevOpsApp'           = @{ Stage = 'Registered' }
        'Get-PfaAzureDevOpsConnection'           = @{ Stage = 'Connected' }
        'Disconnect-PfaAzureDevOps'              = @{ Stage = 'Connected' }
        'Get-PfaAzureDevOpsAccessToken'          = @{ Stage = 'Connected' }
    }

    # Per page or example ('Page/N'): Stage, Environment ({Consent} = tests/TestHelpers/HelpExamplesBrowser.mjs, {Pat} = a personal
# access token of the user; PFA_EXAMPLE_ANSWER is what Read-Host answers); per example: Setup (PowerShell run first,
# in the example's folder) and Output (a regex its text must match, where exit code 0 alone would not show that it
# worked: a REST call answered with Azure DevOps's sign-in page still exits 0). The local Azure DevOps is shared: an example must not take away what later ones need.
    Examples = @{
        'Register-PfaAzureDevOpsApp/4'      = @{ Setup = "Set-Content -Path ./pfa-app.csv -Value 'InstanceUrl,ClientId,Provider,TenantId', 'https://samplecorp.pipelines.com,6f1e5b1c-2d3e-4f50-8a9b-0c1d2e3f4a5b,EntraId,organizations'" }
        'Copy-PfaAzureDevOpsRepository/2'   = @{ Environment = @{ BUILD_DIR = 'build' } }
        # The REST API with the module's token: contoso's project (Web), then the connection's organization's (samplecorp:
        # Control and Modules). A refused token would print a sign-in page instead.
        'Get-PfaAzureDevOpsAccessToken/1'   = @{ Output = 'name=Web;' }
        'Get-PfaAzureDevOpsAccessToken/2'   = @{ Output = 'name=Web;' }
        'Get-PfaAzureDevOpsAccessToken/4'   = @{ Output = '\b2 \{@\{id=[^;]+; name=Control;' }
        'Update-PfaAzureDevOpsRepository/2' = @{ Setup = "Remove-Item -Recurse -Force ./puppet-base" }
        # New-PfaSshKey makes RSA 4096 by default: 0.9 to 5 CPU s each here (OpenSSL's prime search), against 0.25 to 1.6 for
        # 3072. These two show replacing a key, not its size, so their New-PfaSshKey makes 3072 bits (the code runs as
        # written; a default parameter value, as the prelude gives the host key). The default size itself is shown by
        # New-PfaSshKey/1 and Connect-PfaAzureDevOps/7 and /8 here, and checked by SshKeys.Tests ("makes an RSA 4096 key
        # by default").
        'New-PfaSshKey/2'                   = @{ Setup = '$PSDefaultParameterValues[''New-PfaSshKey:Bits''] = 3072' }
        'Remove-PfaSshKey/3'                = @{ Setup = '$PSDefaultParameterValues[''New-PfaSshKey:Bits''] = 3072' }
        # The reader's own keys, made by ssh-keygen (the passphrase is what Read-Host answers): RSA 2048, the smallest
        # Import-PfaSshKey takes (its size is not what these examples show).
        'Add-AzDevOpsSshKey/2'              = @{ Setup = "New-Item -ItemType Directory -Force ~/.ssh | Out-Null; ssh-keygen -q -t rsa -b 2048 -N '' -C reader -f ~/.ssh/id_rsa" }
        'Import-PfaSshKey/1'                = @{ Stage = 'Connected'; Setup = "New-Item -ItemType Directory -Force ~/.ssh | Out-Null; ssh-keygen -q -t rsa -b 2048 -N '' -C reader -f ~/.ssh/id_rsa" }
        'Import-PfaSshKey/2'                = @{ Stage = 'Connected'; Setup = "New-Item -ItemType Directory -Force ~/.ssh | Out-Null; ssh-keygen -q -t rsa -b 2048 -N 'example-answer-0123456789abcdef' -C reader -f ~/.ssh/id_rsa_ado" }
        'Import-PfaSshKey/3'                = @{ Stage = 'Connected'; Setup = "ssh-keygen -q -t rsa -b 2048 -m PEM -N '' -C agent -f ./agent-key.pem" }
        'Add-AzDevOpsSshKey/5'              = @{ Environment = @{ PFA_EXAMPLE_ANSWER = '{Pat}' } }   # what Read-Host answers
        # They remove this machine's key from the shared local Azure DevOps: they start from the spare key, added first.
        'Remove-AzDevOpsSshKey/1'           = @{ Stage = 'SpareKey'; Setup = 'Add-AzDevOpsSshKey -InformationAction Ignore' }
        'Remove-AzDevOpsSshKey/3'           = @{ Stage = 'SpareKey'; Setup = 'Add-AzDevOpsSshKey -Organization samplecorp, contoso -InformationAction Ignore' }
        # Rotation removes the old key from Azure DevOps: rotate the spare key.
        'Update-PfaSshKey/1'                = @{ Stage = 'SpareKey'; Setup = 'Add-AzDevOpsSshKey -InformationAction Ignore' }
        'Update-PfaSshKey/2'                = @{ Setup = 'Add-AzDevOpsSshKey -Organization contoso -InformationAction Ignore' }   # the plan covers both
        'Update-PfaSshKey/3'                = @{ Stage = 'SpareKey'; Setup = 'Add-AzDevOpsSshKey -Organization samplecorp, contoso -InformationAction Ignore' }
    }

    NotRun = @{
        'Connect-PfaAzureDevOps/2'          = 'the -CallbackUri address is a placeholder for the one the browser ends on'
        'Connect-PfaAzureDevOps/4'          = 'needs a Microsoft Entra ID registration and a person to enter the device code'
        'Connect-PfaAzureDevOps/5'          = 'needs a Microsoft Entra ID registration and an Azure Pipelines job token'
        'Connect-PfaAzureDevOps/6'          = 'needs a Microsoft Entra ID registration, a service principal and a managed identity endpoint'
        'Copy-PfaAzureDevOpsRepository/3'   = 'git.example.com is an example server'
        'Test-PfaAzureDevOpsSshAccess/3'    = 'git.example.com is an example server'
        'Export-PfaSshKey/1'                = 'its second line runs OpenSSH against the real ssh.dev.azure.com'
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
