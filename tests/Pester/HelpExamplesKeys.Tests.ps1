#requires -Modules Pester
# The help examples of importing the key, the key in Azure DevOps, the repositories, and every page no other file names (HelpExamples.psd1, Files).
. (Join-Path $PSScriptRoot '../TestHelpers/HelpExamplesFile.ps1') -TestFile (Split-Path -Leaf $PSCommandPath)
