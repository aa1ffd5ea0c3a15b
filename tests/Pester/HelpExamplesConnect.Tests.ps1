#requires -Modules Pester
# The help examples of the admin phase, connecting, and making the key (HelpExamples.psd1, Files).
. (Join-Path $PSScriptRoot '../TestHelpers/HelpExamplesFile.ps1') -TestFile (Split-Path -Leaf $PSCommandPath)
