# The Pester lanes (read by build/BuildTools.psm1).
@{
    # The fast lane (./build.ps1 Test -Fast): files without servers, browsers or multi-process races, which together
    # check every cmdlet's help, parameters, conventions and the admin phase's store. Keep it under a minute.
    Fast    = @(
        'Help.Tests.ps1'
        'Registration.Tests.ps1'
        'WindowsPowerShell51.Tests.ps1'
    )

    # Each file's wall time in seconds, measured alone on this machine (a full run prints them: 'Pester files').
    # Workers take the heaviest file first, so the long files start at once and the short ones fill the gaps.
    # A file not listed counts as 30 s.
    Weights = @{
        'HelpExamples.Tests.ps1'      = 150
        'Connection.Tests.ps1'        = 120
        'EntraConnection.Tests.ps1'   = 70
        'SessionKill.Tests.ps1'       = 60
        'SshKeys.Tests.ps1'           = 50
        'SshKeyLife.Tests.ps1'        = 40
        'Pipeline.Tests.ps1'          = 40
        'AzDevOpsSshKeys.Tests.ps1'   = 30
        'HardenInput.Tests.ps1'       = 30
        'UserExperience.Tests.ps1'    = 30
        'SessionHardening.Tests.ps1'  = 30
        'LoadIsolation.Tests.ps1'     = 25
        'InstanceUsers.Tests.ps1'     = 20
        'Package.Tests.ps1'           = 20
        'Registration.Tests.ps1'      = 15
        'Help.Tests.ps1'              = 8
        'WindowsPowerShell51.Tests.ps1' = 5
    }
}
