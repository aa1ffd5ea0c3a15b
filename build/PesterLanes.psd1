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

    # Each file's wall time in seconds in a full run of the whole suite (main at 98f0566, clean clone, 3 workers beside
    # xunit and Mono, on a slow hour of the 2-core machine: the same run of 63accab took 360 s there against 275 s in a
    # fast hour; read them as proportions). A full run prints the current ones ('Pester files'). Workers take the
    # heaviest file first, so the long files start at once and the short ones fill the gaps. A file not listed counts
    # as 30 s.
    Weights = @{
        'HelpExamplesKeys.Tests.ps1'    = 131
        'HelpExamplesConnect.Tests.ps1' = 119
        'EntraConnection.Tests.ps1'     = 79
        'UserExperience.Tests.ps1'      = 57
        'SshKeyLife.Tests.ps1'          = 55
        'HardenInput.Tests.ps1'         = 53
        'SessionKill.Tests.ps1'         = 45
        'SshKeys.Tests.ps1'             = 41
        'Connection.Tests.ps1'          = 30
        'SessionHardening.Tests.ps1'    = 25
        'Pipeline.Tests.ps1'            = 18
        'AzDevOpsSshKeys.Tests.ps1'     = 12
        'ErrorCatalog.Tests.ps1'        = 11
        'TestServers.Tests.ps1'         = 10
        'LoadIsolation.Tests.ps1'       = 9
        'InstanceUsers.Tests.ps1'       = 8
        'Registration.Tests.ps1'        = 8
        'Help.Tests.ps1'                = 8
        'Package.Tests.ps1'             = 8
        'WindowsPowerShell51.Tests.ps1' = 2
        'HelpExamples.Tests.ps1'        = 1
        'HelpCompiler.Tests.ps1'        = 1
    }
}
