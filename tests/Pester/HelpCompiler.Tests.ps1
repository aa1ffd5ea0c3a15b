# build/HelpCompiler.psm1's markdown-to-text rules (the help build itself is checked against the module by Help.Tests).
BeforeAll {
    $script:Compiler = Import-Module (Join-Path $PSScriptRoot '../../build/HelpCompiler.psm1') -Force -PassThru
    function ConvertFrom-Inline([string] $Text) { & $script:Compiler { param($t) ConvertFrom-PfaInlineMarkdown $t } $Text }
}

Describe 'Inline markdown in help text' {
    It 'shows a web link as its text and address' {
        ConvertFrom-Inline 'see [Use SSH keys](https://learn.microsoft.com/ssh) first' | Should -BeExactly 'see Use SSH keys (https://learn.microsoft.com/ssh) first'
    }
    It 'shows a link whose text is its address once' {
        ConvertFrom-Inline 'open [https://example.test/a](https://example.test/a).' | Should -BeExactly 'open https://example.test/a.'
    }
    It 'shows a link to another page as its text only' {
        ConvertFrom-Inline 'run [Get-AzDevOpsSshKey](Get-AzDevOpsSshKey.md) and [about_X](about_X.md)' | Should -BeExactly 'run Get-AzDevOpsSshKey and about_X'
    }
    It 'leaves a bracket pair whose target has a space as written, even when text and target are equal' {
        ConvertFrom-Inline 'see [a b](a b) and [x](y z)' | Should -BeExactly 'see [a b](a b) and [x](y z)'
    }
    It 'handles several kinds of link in one paragraph, and leaves brackets that are no link' {
        ConvertFrom-Inline '[a](http://x.test) [b](b.md) [c](c) [d] (e)' | Should -BeExactly 'a (http://x.test) b c [d] (e)'
    }
    It 'drops code, bold and italic markers and markdown escapes' {
        ConvertFrom-Inline 'use `-Force`, **not** *always*: a\_b' | Should -BeExactly 'use -Force, not always: a_b'
    }
}
