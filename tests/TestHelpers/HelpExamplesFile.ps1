<#
    The body of each tests/Pester/HelpExamples<Group>.Tests.ps1, which dot-sources it with its own name: runs, each
    in a fresh runspace of the file's example host (one long-lived pwsh per file, HelpExampleHost.ps1) against the
    file's own local Azure DevOps, the examples of the pages tests/Pester/HelpExamples.psd1 gives that file (Files).
    The runner is HelpExamples.psm1 beside this file; its header says what a runspace keeps apart and what the host
    puts back between examples.
#>
param([Parameter(Mandatory)] [string] $TestFile)

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'HelpExamples.psm1') -Force
    $cases = @(Get-HelpExampleCase -TestFile $TestFile)
    $script:RunCases = @($cases | Where-Object { -not $_.NotRun })
    $script:NotRunCases = @($cases | Where-Object { $_.NotRun })
    $script:FileData = @(@{ TestFile = $TestFile; Runner = (Join-Path $PSScriptRoot 'HelpExamples.psm1') })
}

Describe 'Help examples of <TestFile>' -ForEach $FileData {
    BeforeAll {
        Import-Module $Runner -Force
        Start-HelpExampleStage -Case @(Get-HelpExampleCase -TestFile $TestFile | Where-Object { -not $_.NotRun })
    }

    AfterAll { Stop-HelpExampleStage }

    It '<Key> (<Title>) runs as written from stage <Stage>' -ForEach $RunCases {
        $result = Invoke-HelpExample $_
        $result.ExitCode | Should -Be 0 -Because "the example`n$($result.Code)`nprinted`n$($result.Text)"
        if ($Output) { $result.Text | Should -Match $Output -Because "HelpExamples.psd1 (Output) says what the example shows" }
    }

    It '<Key> is not run here: <NotRun>' -ForEach $NotRunCases {
        Set-ItResult -Skipped -Because $NotRun
    }
}
