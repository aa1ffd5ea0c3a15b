#requires -Modules Pester
<#
    The catalogue of the help examples: every page has examples, every page is run by exactly one HelpExamples*.Tests.ps1
    file, and HelpExamples.psd1 names no example, page, file or stage that does not exist. The examples themselves run
    in the files HelpExamples.psd1 lists under Files (tests/TestHelpers/HelpExamplesFile.ps1 and HelpExamples.psm1).
#>

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../TestHelpers/HelpExamples.psm1') -Force
    $script:Config = Get-HelpExampleConfig
    $script:Cases = @(Get-HelpExampleCase)
    $script:Pages = @(Get-HelpExamplePage | ForEach-Object BaseName)
}

Describe 'Help examples catalogue' {
    It 'found the examples of every page (at least one each)' {
        foreach ($page in $Pages | Where-Object { $_ -like '*-*' }) { @($Cases | Where-Object Page -EQ $page).Count | Should -BeGreaterThan 0 -Because "$page.md must have examples" }
    }

    It 'runs every page in exactly one file' {
        foreach ($page in $Pages) {
            $files = @(Get-HelpExampleFile -Page $page -Config $Config)
            $files.Count | Should -Be 1 -Because "$page.md must be run by exactly one file of HelpExamples.psd1's Files, not by '$($files -join "', '")'"
        }
        foreach ($file in $Config.Files.Keys) {
            foreach ($name in @($Config.Files[$file]) | Where-Object { $_ -ne '*' }) { $Pages | Should -Contain $name -Because "HelpExamples.psd1 gives the page $name to $file" }
        }
        # What each file really runs: together every example, each once.
        $run = @($Config.Files.Keys | ForEach-Object { Get-HelpExampleCase -TestFile $_ } | ForEach-Object Key)
        ($run | Sort-Object) -join ', ' | Should -Be (($Cases | ForEach-Object Key | Sort-Object) -join ', ')
    }

    It 'lists every HelpExamples*.Tests.ps1 file under Files, and only those' {
        $onDisk = @(Get-ChildItem -LiteralPath $PSScriptRoot -Filter 'HelpExamples*.Tests.ps1' | ForEach-Object Name | Where-Object { $_ -ne 'HelpExamples.Tests.ps1' } | Sort-Object)
        (@($Config.Files.Keys | Sort-Object) -join ', ') | Should -Be ($onDisk -join ', ')
    }

    It 'lists no example under NotRun or Examples that does not exist' {
        foreach ($key in $Config.NotRun.Keys) { @($Cases | Where-Object Key -EQ $key).Count | Should -Be 1 -Because "HelpExamples.psd1 names $key" }
        foreach ($key in $Config.Examples.Keys) { @($Cases | Where-Object Key -EQ $key).Count | Should -Be 1 -Because "HelpExamples.psd1 names $key" }
        foreach ($page in $Config.Pages.Keys) { $Pages | Should -Contain $page -Because "HelpExamples.psd1 names the page $page" }
    }

    It 'starts every example from a stage the runner builds' {
        $stages = Get-HelpExampleStageName
        foreach ($case in $Cases) { $stages | Should -Contain $case.Stage -Because "$($case.Key) starts from stage $($case.Stage)" }
    }
}
