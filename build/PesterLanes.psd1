# The Pester lanes (read by build/BuildTools.psm1).
@{
    # The fast lane (./build.ps1 Test -Fast): files without servers, browsers or multi-process races, which together
    # check every cmdlet's help, parameters, conventions and the admin phase's store. Keep it under a minute.
    Fast    = @(
        'Help.Tests.ps1'
        'Registration.Tests.ps1'
        'WindowsPowerShell51.Tests.ps1'
    )

    # Each file's wall time in seconds in one sequential run of the whole suite (14:45 UTC, main at 1d926ff, the machine
    # loaded by other runs: read them as proportions). A full run prints the current ones ('Pester files').
    # Workers take the heaviest file first, so the long files start at once and the short ones fill the gaps.
    # A file not listed counts as 30 s.
    Weights = @{
        'HelpExamples.Tests.ps1'        = 226
        'SessionKill.Tests.ps1'         = 201
        'EntraConnection.Tests.ps1'     = 132
        'Connection.Tests.ps1'          = 125
        'HardenInput.Tests.ps1'         = 53
        'SessionHardening.Tests.ps1'    = 50
        'Pipeline.Tests.ps1'            = 38
        'SshKeyLife.Tests.ps1'          = 37
        'SshKeys.Tests.ps1'             = 36
        'InstanceUsers.Tests.ps1'       = 24
        'LoadIsolation.Tests.ps1'       = 24
        'AzDevOpsSshKeys.Tests.ps1'     = 16
        'Package.Tests.ps1'             = 15
        'UserExperience.Tests.ps1'      = 14
        'Registration.Tests.ps1'        = 12
        'Help.Tests.ps1'                = 8
        'WindowsPowerShell51.Tests.ps1' = 1
    }
}
