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

    # Each file's wall time in seconds in a full run of the whole suite (main at 2af5d51 with the workers' tiered
    # compilation off, clean clone, 3 workers beside xunit and Mono, under a load average of about 20 from other runs on
    # the 2-core machine: read them as proportions). A full run prints the current ones ('Pester files'). Workers take the
    # heaviest file first, so the long files start at once and the short ones fill the gaps. A file not listed counts
    # as 30 s.
    Weights = @{
        'HelpExamplesKeys.Tests.ps1'    = 139
        'EntraConnection.Tests.ps1'     = 106
        'HelpExamplesConnect.Tests.ps1' = 101
        'UserExperience.Tests.ps1'      = 78
        'SshKeyLife.Tests.ps1'          = 70
        'SshKeys.Tests.ps1'             = 61
        'HardenInput.Tests.ps1'         = 57
        'Connection.Tests.ps1'          = 43
        'SessionKill.Tests.ps1'         = 40
        'SessionHardening.Tests.ps1'    = 37
        'Pipeline.Tests.ps1'            = 18
        'TestServers.Tests.ps1'         = 17
        'AzDevOpsSshKeys.Tests.ps1'     = 14
        'Help.Tests.ps1'                = 10
        'ErrorCatalog.Tests.ps1'        = 9
        'InstanceUsers.Tests.ps1'       = 7
        'Registration.Tests.ps1'        = 7
        'Package.Tests.ps1'             = 6
        'LoadIsolation.Tests.ps1'       = 4
        'WindowsPowerShell51.Tests.ps1' = 2
        'HelpExamples.Tests.ps1'        = 1
        'HelpCompiler.Tests.ps1'        = 1
    }
}
