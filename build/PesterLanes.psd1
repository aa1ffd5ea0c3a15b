# The Pester lanes (read by build/BuildTools.psm1).
@{
    # The fast lane (./build.ps1 Test -Fast): files without servers, browsers or multi-process races, which together
    # check every cmdlet's help, parameters, conventions and the admin phase's store. Keep it under a minute.
    Fast    = @(
        'Help.Tests.ps1'
        'HelpExamples.Tests.ps1'
        'HelpCompiler.Tests.ps1'
        'Registration.Tests.ps1'
        'WindowsPowerShell51.Tests.ps1'
    )

    # Each file's wall time in seconds in a full run of the whole suite (main at c70f420, clean clone, 5 workers beside
    # xunit and Mono on the 2-core machine: read them as proportions). A full run prints the current ones ('Pester
    # files'). Workers take the heaviest file first, so the long files start at once and the short ones fill the gaps. A
    # file not listed counts as 30 s.
    Weights = @{
        'UserExperience.Tests.ps1'      = 79
        'SshKeyLife.Tests.ps1'          = 76
        'HelpExamplesKeys.Tests.ps1'    = 61
        'HelpExamplesConnect.Tests.ps1' = 59
        'HardenInput.Tests.ps1'         = 48
        'EntraConnection.Tests.ps1'     = 47
        'SshKeys.Tests.ps1'             = 46
        'Connection.Tests.ps1'          = 31
        'SessionKill.Tests.ps1'         = 24
        'Pipeline.Tests.ps1'            = 20
        'TestServers.Tests.ps1'         = 18
        'AzDevOpsSshKeys.Tests.ps1'     = 15
        'Help.Tests.ps1'                = 14
        'Registration.Tests.ps1'        = 13
        'ErrorCatalog.Tests.ps1'        = 12
        'SessionHardening.Tests.ps1'    = 12
        'LoadIsolation.Tests.ps1'       = 12
        'InstanceUsers.Tests.ps1'       = 12
        'Package.Tests.ps1'             = 10
        'WindowsPowerShell51.Tests.ps1' = 4
        'HelpExamples.Tests.ps1'        = 2
        'HelpCompiler.Tests.ps1'        = 1
    }
}
