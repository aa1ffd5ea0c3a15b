# The Pester lanes (read by build/BuildTools.psm1).
@{
    # The fast lane (./build.ps1 Test -Fast): files without servers, browsers or multi-process races, which together
    # check every cmdlet's help, parameters, conventions and the admin phase's store. Keep it under a minute.
    Fast    = @(
        'Help.Tests.ps1'
        'HelpExamples.Tests.ps1'
        'Registration.Tests.ps1'
        'WindowsPowerShell51.Tests.ps1'
    )

    # Each file's wall time in seconds in a full run of the whole suite (estimates from the helpers' targeted runs of
    # 1 December, to be replaced by a quiet full run's; read them as proportions). A full run prints the current ones
    # ('Pester files'). Workers take the heaviest file first, so the long files start at once and the short ones fill
    # the gaps. A file not listed counts as 30 s.
    Weights = @{
        'HelpExamplesKeys.Tests.ps1'    = 100
        'HelpExamplesConnect.Tests.ps1' = 95
        'EntraConnection.Tests.ps1'     = 50
        'SshKeyLife.Tests.ps1'          = 45
        'HardenInput.Tests.ps1'         = 45
        'UserExperience.Tests.ps1'      = 40
        'SessionKill.Tests.ps1'         = 40
        'SshKeys.Tests.ps1'             = 35
        'Connection.Tests.ps1'          = 30
        'SessionHardening.Tests.ps1'    = 20
        'Pipeline.Tests.ps1'            = 15
        'AzDevOpsSshKeys.Tests.ps1'     = 12
        'ErrorCatalog.Tests.ps1'        = 10
        'InstanceUsers.Tests.ps1'       = 9
        'TestServers.Tests.ps1'         = 9
        'Registration.Tests.ps1'        = 6
        'Help.Tests.ps1'                = 6
        'LoadIsolation.Tests.ps1'       = 5
        'Package.Tests.ps1'             = 4
        'HelpExamples.Tests.ps1'        = 3
        'WindowsPowerShell51.Tests.ps1' = 2
    }
}
