# The Pester lanes (read by build/BuildTools.psm1).
@{
    # The fast lane (./build.ps1 Test -Fast): files without servers, browsers or multi-process races, which together
    # check every cmdlet's help, parameters, conventions and the admin phase's store. Keep it under a minute.
    Fast    = @(
        'Help.Tests.ps1'
        'Registration.Tests.ps1'
        'WindowsPowerShell51.Tests.ps1'
    )

    # Each file's wall time in seconds in a full run of the whole suite (main at 451be7a, clean clone, 3 workers beside
    # xunit and Mono, the machine loaded by other runs: load average about 22; read them as proportions). A full run
    # prints the current ones ('Pester files'). Workers take the heaviest file first, so the long files start at once and
    # the short ones fill the gaps. A file not listed counts as 30 s.
    Weights = @{
        'HelpExamples.Tests.ps1'        = 328
        'SessionKill.Tests.ps1'         = 206
        'EntraConnection.Tests.ps1'     = 192
        'SshKeyLife.Tests.ps1'          = 109
        'Connection.Tests.ps1'          = 73
        'SshKeys.Tests.ps1'             = 66
        'HardenInput.Tests.ps1'         = 63
        'SessionHardening.Tests.ps1'    = 47
        'Pipeline.Tests.ps1'            = 44
        'UserExperience.Tests.ps1'      = 43
        'AzDevOpsSshKeys.Tests.ps1'     = 31
        'TestServers.Tests.ps1'         = 12
        'InstanceUsers.Tests.ps1'       = 30
        'ErrorCatalog.Tests.ps1'        = 17
        'LoadIsolation.Tests.ps1'       = 14
        'Package.Tests.ps1'             = 12
        'Registration.Tests.ps1'        = 11
        'Help.Tests.ps1'                = 9
        'WindowsPowerShell51.Tests.ps1' = 2
    }
}
