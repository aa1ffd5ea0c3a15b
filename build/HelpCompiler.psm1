Set-StrictMode -Version 3.0
<#
    The help compiler: docs/en-US/*.md (platyPS markdown, schema 2.0.0) to MAML for the packaged module.

    The command metadata (parameter sets, types, mandatory/position/pipeline input, aliases, accepted values,
    defaults, [OutputType]) is read from the packaged module in a child pwsh, never from the markdown. SYNTAX is
    generated from it; the markdown's SYNTAX section is ignored. Anything in the markdown that disagrees with the
    real command, and any missing or empty required section, fails the build with every problem listed.
#>

$script:NsMsh = 'http://msh'
$script:NsMaml = 'http://schemas.microsoft.com/maml/2004/10'
$script:NsCommand = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$script:NsDev = 'http://schemas.microsoft.com/maml/dev/2004/10'
$script:KnownSections = @('SYNOPSIS', 'SYNTAX', 'DESCRIPTION', 'EXAMPLES', 'PARAMETERS', 'INPUTS', 'OUTPUTS', 'NOTES', 'RELATED LINKS')

# Runs in the child pwsh: imports the packaged module and prints its commands' metadata as one JSON line.
$script:MetadataScript = @'
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$module = Import-Module -Name $env:PFA_HELP_MANIFEST -PassThru -Force -DisableNameChecking
$common = [System.Management.Automation.PSCmdlet]::CommonParameters
function Get-Unwrapped([type] $Type) {
    $inner = [Nullable]::GetUnderlyingType($Type)
    if ($inner) { $Type = $inner }
    $Type
}
function Get-ShortTypeName([type] $Type) {
    $Type = Get-Unwrapped $Type
    if ($Type.IsArray) { return (Get-ShortTypeName $Type.GetElementType()) + '[]' }
    $Type.Name
}
function Get-FullTypeName([type] $Type) {
    $Type = Get-Unwrapped $Type
    if ($Type.IsArray) { return (Get-FullTypeName $Type.GetElementType()) + '[]' }
    $Type.FullName
}
function Get-DefaultText($Instance, [string] $Name) {
    if ($null -eq $Instance) { return $null }
    $property = $Instance.GetType().GetProperty($Name)
    if ($null -eq $property) { return $null }
    $value = $property.GetValue($Instance)
    if ($null -eq $value) { return $null }
    if ($value -is [System.Management.Automation.SwitchParameter]) { if ($value.IsPresent) { return 'True' } return $null }
    if ($value -is [array]) { if ($value.Count -eq 0) { return $null } return ($value -join ', ') }
    if ($value -is [bool] -and -not $value) { return $null }
    if ($value -is [string] -and $value.Length -eq 0) { return $null }
    if ($value -is [guid] -and $value -eq [guid]::Empty) { return $null }
    if ($value.GetType().IsValueType -and -not $value.GetType().IsEnum -and $value -eq [Activator]::CreateInstance($value.GetType())) { return $null }
    [string] $value
}
$commands = foreach ($name in @($module.ExportedCmdlets.Keys | Sort-Object)) {
    $command = Get-Command -Name $name -Module $module.Name
    $instance = $null
    try { $instance = [Activator]::CreateInstance($command.ImplementingType) } catch { $instance = $null }
    $cmdletAttribute = $command.ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false) | Select-Object -First 1
    $parameters = foreach ($p in @($command.Parameters.Values | Where-Object { $common -notcontains $_.Name })) {
        $element = Get-Unwrapped $p.ParameterType
        if ($element.IsArray) { $element = Get-Unwrapped $element.GetElementType() }
        $accepted = @()
        $validateSet = @($p.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] })
        if ($validateSet) { $accepted = @($validateSet[0].ValidValues) }
        elseif ($element.IsEnum) { $accepted = @([Enum]::GetNames($element)) }
        $sets = foreach ($entry in $p.ParameterSets.GetEnumerator()) {
            $meta = $entry.Value
            [ordered] @{
                Name                            = $entry.Key
                Mandatory                       = [bool] $meta.IsMandatory
                Position                        = [int] $meta.Position
                ValueFromPipeline               = [bool] $meta.ValueFromPipeline
                ValueFromPipelineByPropertyName = [bool] $meta.ValueFromPipelineByPropertyName
                ValueFromRemainingArguments     = [bool] $meta.ValueFromRemainingArguments
            }
        }
        [ordered] @{
            Name             = $p.Name
            Type             = Get-ShortTypeName $p.ParameterType
            FullType         = Get-FullTypeName $p.ParameterType
            IsSwitch         = [bool] $p.SwitchParameter
            Aliases          = @($p.Aliases)
            AcceptedValues   = $accepted
            SupportsWildcard = [bool] @($p.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })
            DefaultValue     = Get-DefaultText $instance $p.Name
            Sets             = @($sets)
        }
    }
    $setOrder = @($command.ParameterSets | ForEach-Object Name)
    [ordered] @{
        Name                  = $command.Name
        Verb                  = $command.Verb
        Noun                  = $command.Noun
        DefaultParameterSet   = $command.DefaultParameterSet
        SupportsShouldProcess = [bool] ($cmdletAttribute -and $cmdletAttribute.SupportsShouldProcess)
        ParameterSets         = @(foreach ($set in $command.ParameterSets) {
                [ordered] @{
                    Name       = $set.Name
                    IsDefault  = [bool] $set.IsDefault
                    Parameters = @($set.Parameters | Where-Object { $common -notcontains $_.Name } | ForEach-Object Name)
                }
            })
        SetOrder              = $setOrder
        Parameters            = @($parameters)
        OutputTypes           = @($command.OutputType | ForEach-Object { if ($_.Type) { [ordered] @{ Name = $_.Type.FullName; ShortName = $_.Type.Name } } else { [ordered] @{ Name = $_.Name; ShortName = ($_.Name -split '\.')[-1] } } })
    }
}
'PFAHELPJSON:' + (ConvertTo-Json -InputObject @($commands) -Depth 10 -Compress)
'@

function Get-PfaCommandMetadata {
    <# Loads the packaged module in a child pwsh (so this session never holds its assemblies) and returns its commands' metadata. #>
    param([Parameter(Mandatory)] [string] $ModuleManifest, [string] $PwshHome = $PSHOME)
    $pwsh = Join-Path $PwshHome 'pwsh'
    $previous = $env:PFA_HELP_MANIFEST
    $env:PFA_HELP_MANIFEST = (Resolve-Path -LiteralPath $ModuleManifest).ProviderPath
    try {
        $lines = & $pwsh -NoProfile -NonInteractive -Command $script:MetadataScript
        $exit = $LASTEXITCODE
    }
    finally {
        $env:PFA_HELP_MANIFEST = $previous
    }
    $jsonLine = @($lines | Where-Object { $_ -is [string] -and $_.StartsWith('PFAHELPJSON:') }) | Select-Object -Last 1
    if ($exit -ne 0 -or -not $jsonLine) {
        throw "Help compiler: could not read the commands of '$ModuleManifest' in a child pwsh (exit code $exit). Output: $($lines -join [Environment]::NewLine)"
    }
    @(ConvertFrom-Json -InputObject $jsonLine.Substring('PFAHELPJSON:'.Length))
}

#region Markdown reading

$script:BlockCache = [System.Collections.Generic.Dictionary[string, object[]]]::new([StringComparer]::Ordinal)
function Split-PfaMarkdownBlocks {
    <# Turns lines into blocks: @{ Kind = 'Text'; Text } paragraphs and @{ Kind = 'Fence'; Lang; Text } code blocks.
       The same lines are split by the checks and again by the MAML writer: the blocks are kept (callers only read them). #>
    param([string[]] $Lines)
    $key = $Lines -join "`n"
    $cached = $null
    if ($script:BlockCache.TryGetValue($key, [ref] $cached)) { return $cached }
    $blocks = [System.Collections.Generic.List[object]]::new()
    $paragraph = [System.Collections.Generic.List[string]]::new()
    $fence = $null
    $fenceLines = $null
    $flush = {
        if ($paragraph.Count -gt 0) {
            $blocks.Add([pscustomobject] @{ Kind = 'Text'; Lang = $null; Text = ($paragraph -join "`n") })
            $paragraph.Clear()
        }
    }
    foreach ($line in $Lines) {
        if ($null -ne $fence) {
            if ($line -match '^\s*```\s*$') {
                $blocks.Add([pscustomobject] @{ Kind = 'Fence'; Lang = $fence; Text = ($fenceLines -join "`n") })
                $fence = $null
            }
            else { $fenceLines.Add($line) }
            continue
        }
        if ($line -match '^\s*```\s*([\w-]*)\s*$') {
            & $flush
            $fence = $Matches[1].ToLowerInvariant()
            $fenceLines = [System.Collections.Generic.List[string]]::new()
            continue
        }
        if ($line.Trim().Length -eq 0) { & $flush; continue }
        $paragraph.Add($line.TrimEnd())
    }
    if ($null -ne $fence) { throw 'a ``` code block is not closed' }
    & $flush
    $result = $blocks.ToArray()
    $script:BlockCache[$key] = $result
    $result
}

function Read-PfaMarkdown {
    <# Parses a platyPS markdown file into front matter, title, and H2 sections with their H3 subsections. #>
    param([Parameter(Mandatory)] [string] $Path)
    $lines = @((Get-Content -LiteralPath $Path -Encoding utf8) | ForEach-Object { $_ -replace "`r$", '' })
    $front = [ordered] @{}
    $index = 0
    if ($lines.Count -gt 0 -and $lines[0].Trim() -eq '---') {
        $index = 1
        while ($index -lt $lines.Count -and $lines[$index].Trim() -ne '---') {
            if ($lines[$index] -match '^\s*([^:]+?)\s*:\s*(.*?)\s*$') { $front[$Matches[1]] = $Matches[2] }
            $index++
        }
        if ($index -ge $lines.Count) { throw "$Path : the YAML front matter is not closed with '---'." }
        $index++
    }
    $doc = [pscustomobject] @{ Path = $Path; FrontMatter = $front; Title = $null; Sections = [ordered] @{}; Order = [System.Collections.Generic.List[string]]::new() }
    $section = $null
    $sub = $null
    $inFence = $false
    for (; $index -lt $lines.Count; $index++) {
        $line = $lines[$index]
        if ($line -match '^\s*```') { $inFence = -not $inFence }
        if (-not $inFence) {
            if ($line -match '^#\s+(.+?)\s*$') { $doc.Title = $Matches[1]; $section = $null; $sub = $null; continue }
            if ($line -match '^##\s+(.+?)\s*$') {
                $name = $Matches[1].Trim().ToUpperInvariant()
                $section = [pscustomobject] @{ Name = $name; Lines = [System.Collections.Generic.List[string]]::new(); Subs = [System.Collections.Generic.List[object]]::new() }
                if ($doc.Sections.Contains($name)) { throw "$Path : the section '## $name' appears twice." }
                $doc.Sections[$name] = $section
                $doc.Order.Add($name)
                $sub = $null
                continue
            }
            if ($line -match '^###\s+(.+?)\s*$' -and $section) {
                $sub = [pscustomobject] @{ Title = $Matches[1]; Lines = [System.Collections.Generic.List[string]]::new() }
                $section.Subs.Add($sub)
                continue
            }
        }
        if ($sub) { $sub.Lines.Add($line) }
        elseif ($section) { $section.Lines.Add($line) }
    }
    $doc
}

function ConvertFrom-PfaInlineMarkdown {
    <# Markdown inline syntax to plain text: links as 'text (url)', no backticks, bold or italics markers. #>
    param([string] $Text)
    if ($null -eq $Text) { return '' }
    # Links: a web address shown after its text unless the text is the address; other targets (other pages) dropped.
    # Three plain replacements, not one with a script block evaluator: that cost 4 ms a call, most of the help build.
    $t = $Text -replace '\[([^\]]+)\]\((?=[^)\s]*\))\1\)', '$1' -replace '\[([^\]]+)\]\((https?://[^)\s]*)\)', '$1 ($2)' -replace '\[([^\]]+)\]\(([^)\s]*)\)', '$1'
    $t = $t -replace '\*\*(.+?)\*\*', '$1' -replace '(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])', '$1' -replace '`([^`]+)`', '$1'
    $t -replace '\\([\\`*_{}\[\]()#+\-.!<>])', '$1'
}

function Get-PfaParagraphs {
    <# The paragraphs of some prose: list items keep their own lines, other lines are joined. Fences are kept, indented. #>
    param([object[]] $Blocks)
    foreach ($block in $Blocks) {
        # Loops, not pipelines: this runs some 600 times a build, and a pipeline costs about a millisecond to set up.
        if ($block.Kind -eq 'Fence') {
            $indented = foreach ($l in ($block.Text -split "`n")) { '    ' + $l }
            @($indented) -join "`n"
            continue
        }
        $lines = @($block.Text -split "`n")
        $isList = $false
        foreach ($l in $lines) { if ($l -match '^\s*([-*+]|\d+\.)\s+') { $isList = $true; break } }
        if ($isList) {
            # A list: one item per line; continuation lines join their item.
            $items = [System.Collections.Generic.List[string]]::new()
            foreach ($l in $lines) {
                if ($l -match '^\s*([-*+]|\d+\.)\s+' -or $items.Count -eq 0) { $items.Add(((ConvertFrom-PfaInlineMarkdown $l.Trim()) -replace '^[*+]\s', '- ')) }
                else { $items[$items.Count - 1] += ' ' + (ConvertFrom-PfaInlineMarkdown $l.Trim()) }
            }
            $items -join "`n"
        }
        else {
            $trimmed = foreach ($l in $lines) { $l.Trim() }
            ConvertFrom-PfaInlineMarkdown (@($trimmed) -join ' ')
        }
    }
}

function Get-PfaSectionParagraphs {
    param($Section)
    if (-not $Section) { return @() }
    $blocks = @(Split-PfaMarkdownBlocks -Lines @($Section.Lines))
    @(Get-PfaParagraphs -Blocks $blocks | Where-Object { $_.Trim().Length -gt 0 })
}

function Read-PfaYamlBlock {
    param([string] $Text)
    $map = [ordered] @{}
    foreach ($line in ($Text -split "`n")) {
        if ($line -match '^\s*([A-Za-z][\w ]*?)\s*:\s*(.*?)\s*$') { $map[$Matches[1]] = $Matches[2] }
    }
    $map
}

#endregion

#region Checks against the real metadata

function Get-PfaPipelineText {
    param($SetMeta)
    $kinds = @()
    if ($SetMeta.ValueFromPipeline) { $kinds += 'ByValue' }
    if ($SetMeta.ValueFromPipelineByPropertyName) { $kinds += 'ByPropertyName' }
    if ($kinds) { "True ($($kinds -join ', '))" } else { 'False' }
}

function Get-PfaPositionText {
    param($SetMeta)
    if ($SetMeta.Position -lt 0 -or $SetMeta.Position -eq [int]::MinValue) { 'Named' } else { [string] $SetMeta.Position }
}

function Resolve-PfaPerSetValue {
    <# A YAML value such as 'True' or 'True (SetA), False (SetB, SetC)': returns the value that applies to one set. #>
    param([string] $Value, [string] $SetName, [string[]] $AllSets)
    $parts = [regex]::Matches($Value, '\s*([^,(]+?)\s*\(([^)]*)\)\s*(,|$)')
    if ($parts.Count -gt 0 -and ($parts | ForEach-Object { $_.Length } | Measure-Object -Sum).Sum -eq $Value.Length) {
        foreach ($part in $parts) {
            $names = @($part.Groups[2].Value -split ',' | ForEach-Object { $_.Trim() })
            if ($names -contains $SetName -or $names -contains '(All)' -or $names -contains 'All') { return $part.Groups[1].Value.Trim() }
        }
        return $null
    }
    $Value.Trim()
}

function Test-PfaNormalized([string] $A, [string] $B) {
    ($A -replace '\s+', '').ToLowerInvariant() -eq ($B -replace '\s+', '').ToLowerInvariant()
}

function Test-PfaCommandDoc {
    <# Returns the problems (strings) of one command's markdown against its real metadata. #>
    param($Doc, $Meta)
    $problems = [System.Collections.Generic.List[string]]::new()
    $name = $Meta.Name
    $file = Split-Path $Doc.Path -Leaf
    if ($Doc.Title -ne $name) { $problems.Add("$file : the title must be '# $name', not '# $($Doc.Title)'.") }
    if ($Doc.FrontMatter['schema'] -ne '2.0.0') { $problems.Add("$file : the front matter must say 'schema: 2.0.0'.") }
    if ($Doc.FrontMatter.Contains('external help file') -and $Doc.FrontMatter['external help file'] -ne 'PfaAzureDevOps.dll-Help.xml') { $problems.Add("$file : 'external help file' must be PfaAzureDevOps.dll-Help.xml.") }
    foreach ($section in $Doc.Order) {
        if ($script:KnownSections -notcontains $section) { $problems.Add("$file : unknown section '## $section' (allowed: $($script:KnownSections -join ', ')).") }
    }
    foreach ($required in 'SYNOPSIS', 'DESCRIPTION') {
        if (-not $Doc.Sections.Contains($required)) { $problems.Add("$file : the '## $required' section is missing.") }
        elseif (@(Get-PfaSectionParagraphs $Doc.Sections[$required]).Count -eq 0) { $problems.Add("$file : the '## $required' section is empty.") }
    }
    # Examples: at least one, each '### Example N: title' with a non-empty code block.
    if (-not $Doc.Sections.Contains('EXAMPLES') -or $Doc.Sections['EXAMPLES'].Subs.Count -eq 0) {
        $problems.Add("$file : '## EXAMPLES' is missing or has no '### Example 1: ...'.")
    }
    else {
        foreach ($example in $Doc.Sections['EXAMPLES'].Subs) {
            if ($example.Title -notmatch '^Example \d+\s*:?\s*\S') { $problems.Add("$file : example heading '### $($example.Title)' must read '### Example N: title'.") }
            $code = @(Split-PfaMarkdownBlocks @($example.Lines) | Where-Object Kind -eq 'Fence')
            if ($code.Count -eq 0 -or $code[0].Text.Trim().Length -eq 0) { $problems.Add("$file : '$($example.Title)' has no code (a ``````powershell block).") }
        }
    }
    # Inputs and outputs: present; every [OutputType] named.
    if (-not $Doc.Sections.Contains('INPUTS') -or $Doc.Sections['INPUTS'].Subs.Count -eq 0) { $problems.Add("$file : '## INPUTS' is missing or names no type (write '### None' when nothing is accepted from the pipeline).") }
    if (-not $Doc.Sections.Contains('OUTPUTS') -or $Doc.Sections['OUTPUTS'].Subs.Count -eq 0) { $problems.Add("$file : '## OUTPUTS' is missing or names no type.") }
    else {
        $documented = @($Doc.Sections['OUTPUTS'].Subs | ForEach-Object { $_.Title.Trim() })
        foreach ($output in @($Meta.OutputTypes)) {
            if (-not ($documented | Where-Object { $_ -eq $output.Name -or $_ -eq $output.ShortName })) { $problems.Add("$file : [OutputType] $($output.Name) is not under '## OUTPUTS'.") }
        }
        foreach ($sub in $Doc.Sections['OUTPUTS'].Subs) {
            if (@(Get-PfaParagraphs (@(Split-PfaMarkdownBlocks @($sub.Lines)))).Count -eq 0) { $problems.Add("$file : output '### $($sub.Title)' has no description.") }
        }
    }
    if ($Doc.Sections.Contains('INPUTS')) {
        foreach ($sub in $Doc.Sections['INPUTS'].Subs) {
            if ($sub.Title -ne 'None' -and @(Get-PfaParagraphs (@(Split-PfaMarkdownBlocks @($sub.Lines)))).Count -eq 0) { $problems.Add("$file : input '### $($sub.Title)' has no description.") }
        }
    }
    # Parameters: the documented set equals the real one; each one's YAML agrees with the code.
    $real = @($Meta.Parameters)
    $docParams = @()
    if ($Doc.Sections.Contains('PARAMETERS')) { $docParams = @($Doc.Sections['PARAMETERS'].Subs) }
    $docParams = @($docParams | Where-Object Title -ne 'CommonParameters')
    if ($real.Count -gt 0 -and $docParams.Count -eq 0) { $problems.Add("$file : '## PARAMETERS' is missing or empty, but $name has parameters.") }
    $seen = @{}
    foreach ($sub in $docParams) {
        if ($sub.Title -eq 'CommonParameters') { continue }
        if ($sub.Title -notmatch '^-(\w+)$') { $problems.Add("$file : parameter heading '### $($sub.Title)' must read '### -Name'."); continue }
        $pname = $Matches[1]
        if ($seen.ContainsKey($pname)) { $problems.Add("$file : -$pname is documented twice."); continue }
        $seen[$pname] = $true
        $p = $real | Where-Object Name -eq $pname
        if (-not $p) { $problems.Add("$file : -$pname is documented but $name has no such parameter."); continue }
        if ($p.Name -cne $pname) { $problems.Add("$file : -$pname must be spelled -$($p.Name).") }
        $blocks = @(Split-PfaMarkdownBlocks @($sub.Lines))
        if (@(Get-PfaParagraphs @($blocks | Where-Object Kind -eq 'Text')).Count -eq 0) { $problems.Add("$file : -$pname has no description.") }
        $yamls = @($blocks | Where-Object { $_.Kind -eq 'Fence' -and $_.Lang -eq 'yaml' })
        if ($yamls.Count -eq 0) { $problems.Add("$file : -$pname has no ``````yaml block."); continue }
        $allSets = @($p.Sets | ForEach-Object Name)
        $covered = @{}
        foreach ($yamlBlock in $yamls) {
            $y = Read-PfaYamlBlock $yamlBlock.Text
            foreach ($key in 'Type', 'Parameter Sets', 'Aliases', 'Required', 'Position', 'Default value', 'Accept pipeline input', 'Accept wildcard characters') {
                if (-not $y.Contains($key)) { $problems.Add("$file : -$pname's yaml block has no '${key}:' line.") }
            }
            if ($y.Contains('Type') -and -not ((Test-PfaNormalized $y['Type'] $p.Type) -or (Test-PfaNormalized $y['Type'] $p.FullType))) {
                $problems.Add("$file : -$pname is documented as Type '$($y['Type'])' but is $($p.Type) ($($p.FullType)).")
            }
            $setNames = $allSets
            if ($y.Contains('Parameter Sets') -and $y['Parameter Sets'] -ne '(All)') {
                $setNames = @($y['Parameter Sets'] -split ',' | ForEach-Object { $_.Trim() } | Where-Object { $_ })
                foreach ($s in $setNames) { if ($allSets -notcontains $s) { $problems.Add("$file : -$pname names parameter set '$s', which it is not in (it is in: $($allSets -join ', ')).") } }
            }
            elseif ($y.Contains('Parameter Sets') -and $y['Parameter Sets'] -eq '(All)' -and $allSets -notcontains '__AllParameterSets' -and @($Meta.ParameterSets).Count -gt 1 -and $allSets.Count -lt @($Meta.ParameterSets).Count) {
                $problems.Add("$file : -$pname says '(All)' parameter sets but is only in: $($allSets -join ', ').")
            }
            if ($y.Contains('Aliases')) {
                $docAliases = @(if ($y['Aliases'] -and $y['Aliases'] -ne 'None') { $y['Aliases'] -split ',' | ForEach-Object { $_.Trim() } | Where-Object { $_ } })
                if ((@($docAliases | Sort-Object) -join ',') -ne (@($p.Aliases | Sort-Object) -join ',')) {
                    $problems.Add("$file : -$pname's Aliases '$($y['Aliases'])' disagree with the code ($(if (@($p.Aliases).Count) { $p.Aliases -join ', ' } else { 'None' })).")
                }
            }
            if (@($p.AcceptedValues).Count -gt 0) {
                $docValues = @(if ($y.Contains('Accepted values')) { $y['Accepted values'] -split ',' | ForEach-Object { $_.Trim() } | Where-Object { $_ } })
                if ((@($docValues | Sort-Object) -join ',') -ne (@($p.AcceptedValues | Sort-Object) -join ',')) {
                    $problems.Add("$file : -$pname's Accepted values '$(if ($y.Contains('Accepted values')) { $y['Accepted values'] })' disagree with the code ($($p.AcceptedValues -join ', ')).")
                }
            }
            elseif ($y.Contains('Accepted values') -and $y['Accepted values']) { $problems.Add("$file : -$pname lists Accepted values but the code accepts any value of $($p.Type).") }
            if ($y.Contains('Accept wildcard characters')) {
                $docWild = $y['Accept wildcard characters'] -match '^True'
                if ($docWild -ne [bool] $p.SupportsWildcard) { $problems.Add("$file : -$pname's 'Accept wildcard characters: $($y['Accept wildcard characters'])' disagrees with the code ($(if ($p.SupportsWildcard) { 'True' } else { 'False' })).") }
            }
            if ($null -ne $p.DefaultValue -and $y.Contains('Default value') -and -not ($y['Default value'] -like "$($p.DefaultValue)*")) {
                $problems.Add("$file : -$pname's 'Default value: $($y['Default value'])' disagrees with the code's default ($($p.DefaultValue)).")
            }
            foreach ($setName in $setNames) {
                $setMeta = $p.Sets | Where-Object Name -eq $setName
                if (-not $setMeta) { continue }
                $covered[$setName] = $true
                $label = if ($setName -eq '__AllParameterSets') { '' } else { " in set '$setName'" }
                if ($y.Contains('Required')) {
                    $v = Resolve-PfaPerSetValue $y['Required'] $setName $allSets
                    if ($null -eq $v -or ($v -eq 'True') -ne [bool] $setMeta.Mandatory -or $v -notin 'True', 'False') {
                        $problems.Add("$file : -$pname is documented Required '$($y['Required'])' but is $(if ($setMeta.Mandatory) { 'mandatory' } else { 'optional' })$label.")
                    }
                }
                if ($y.Contains('Position')) {
                    $v = Resolve-PfaPerSetValue $y['Position'] $setName $allSets
                    $expected = Get-PfaPositionText $setMeta
                    if ($v -ne $expected) { $problems.Add("$file : -$pname is documented at Position '$($y['Position'])' but is at $expected$label.") }
                }
                if ($y.Contains('Accept pipeline input')) {
                    $expected = Get-PfaPipelineText $setMeta
                    if (-not (Test-PfaNormalized $y['Accept pipeline input'] $expected)) { $problems.Add("$file : -$pname's 'Accept pipeline input: $($y['Accept pipeline input'])' disagrees with the code ($expected)$label.") }
                }
            }
        }
        foreach ($setName in $allSets) {
            if (-not $covered.ContainsKey($setName)) { $problems.Add("$file : -$pname's yaml does not cover its parameter set '$setName'.") }
        }
    }
    foreach ($p in $real) {
        if (-not $seen.ContainsKey($p.Name)) { $problems.Add("$file : -$($p.Name) of $name is not documented under '## PARAMETERS'.") }
    }
    , $problems.ToArray()
}

#endregion

#region MAML writing

function Write-PfaParas {
    param([System.Xml.XmlWriter] $Writer, [string[]] $Paragraphs)
    $Writer.WriteStartElement('maml', 'description', $script:NsMaml)
    foreach ($para in $Paragraphs) { $Writer.WriteElementString('maml', 'para', $script:NsMaml, $para) }
    $Writer.WriteEndElement()
}

function Write-PfaParameterElement {
    param([System.Xml.XmlWriter] $Writer, $Param, $SetMeta, [string[]] $Description, [string] $DefaultText, [switch] $InSyntax)
    $w = $Writer
    $w.WriteStartElement('command', 'parameter', $script:NsCommand)
    $w.WriteAttributeString('required', $(if ($SetMeta.Mandatory) { 'true' } else { 'false' }))
    $w.WriteAttributeString('variableLength', $(if ($Param.Type.EndsWith('[]')) { 'true' } else { 'false' }))
    $w.WriteAttributeString('globbing', $(if ($Param.SupportsWildcard) { 'true' } else { 'false' }))
    $w.WriteAttributeString('pipelineInput', (Get-PfaPipelineText $SetMeta))
    $position = Get-PfaPositionText $SetMeta
    $w.WriteAttributeString('position', $(if ($position -eq 'Named') { 'named' } else { $position }))
    $w.WriteAttributeString('aliases', $(if (@($Param.Aliases).Count) { $Param.Aliases -join ', ' } else { 'none' }))
    $w.WriteElementString('maml', 'name', $script:NsMaml, $Param.Name)
    Write-PfaParas $w $Description
    if (@($Param.AcceptedValues).Count -gt 0) {
        $w.WriteStartElement('command', 'parameterValueGroup', $script:NsCommand)
        foreach ($value in $Param.AcceptedValues) {
            $w.WriteStartElement('command', 'parameterValue', $script:NsCommand)
            $w.WriteAttributeString('required', 'false')
            $w.WriteAttributeString('command', 'variableLength', $script:NsCommand, 'false')
            $w.WriteString($value)
            $w.WriteEndElement()
        }
        $w.WriteEndElement()
    }
    if (-not ($InSyntax -and $Param.IsSwitch)) {
        $w.WriteStartElement('command', 'parameterValue', $script:NsCommand)
        $w.WriteAttributeString('required', $(if ($Param.IsSwitch) { 'false' } else { 'true' }))
        $w.WriteAttributeString('variableLength', $(if ($Param.Type.EndsWith('[]')) { 'true' } else { 'false' }))
        $w.WriteString($Param.Type)
        $w.WriteEndElement()
    }
    $w.WriteStartElement('dev', 'type', $script:NsDev)
    $w.WriteElementString('maml', 'name', $script:NsMaml, $Param.Type)
    $w.WriteElementString('maml', 'uri', $script:NsMaml, '')
    $w.WriteEndElement()
    $w.WriteElementString('dev', 'defaultValue', $script:NsDev, $(if ($DefaultText) { $DefaultText } elseif ($Param.IsSwitch) { 'False' } else { 'None' }))
    $w.WriteEndElement()
}

function Write-PfaTypeList {
    param([System.Xml.XmlWriter] $Writer, [string] $ListName, [string] $ItemName, $Section)
    $w = $Writer
    $w.WriteStartElement('command', $ListName, $script:NsCommand)
    foreach ($sub in @(if ($Section) { $Section.Subs })) {
        $w.WriteStartElement('command', $ItemName, $script:NsCommand)
        $w.WriteStartElement('dev', 'type', $script:NsDev)
        $w.WriteElementString('maml', 'name', $script:NsMaml, (ConvertFrom-PfaInlineMarkdown $sub.Title.Trim()))
        $w.WriteEndElement()
        Write-PfaParas $w @(Get-PfaParagraphs (@(Split-PfaMarkdownBlocks @($sub.Lines))))
        $w.WriteEndElement()
    }
    $w.WriteEndElement()
}

function Write-PfaCommandMaml {
    param([System.Xml.XmlWriter] $Writer, $Doc, $Meta)
    $w = $Writer
    $w.WriteStartElement('command', 'command', $script:NsCommand)
    $w.WriteAttributeString('xmlns', 'maml', $null, $script:NsMaml)
    $w.WriteAttributeString('xmlns', 'command', $null, $script:NsCommand)
    $w.WriteAttributeString('xmlns', 'dev', $null, $script:NsDev)

    $synopsis = @(Get-PfaSectionParagraphs $Doc.Sections['SYNOPSIS'])
    $w.WriteStartElement('command', 'details', $script:NsCommand)
    $w.WriteElementString('command', 'name', $script:NsCommand, $Meta.Name)
    $w.WriteElementString('command', 'verb', $script:NsCommand, $Meta.Verb)
    $w.WriteElementString('command', 'noun', $script:NsCommand, $Meta.Noun)
    Write-PfaParas $w @($synopsis -join ' ')
    $w.WriteEndElement()

    Write-PfaParas $w @(Get-PfaSectionParagraphs $Doc.Sections['DESCRIPTION'])

    # Parameter descriptions and defaults from the markdown, keyed by name.
    $descriptions = @{}
    $defaults = @{}
    if ($Doc.Sections.Contains('PARAMETERS')) {
        foreach ($sub in $Doc.Sections['PARAMETERS'].Subs) {
            $pname = $sub.Title.TrimStart('-').Trim()
            $blocks = @(Split-PfaMarkdownBlocks @($sub.Lines))
            $descriptions[$pname] = @(Get-PfaParagraphs @($blocks | Where-Object Kind -eq 'Text'))
            $yaml = $blocks | Where-Object { $_.Kind -eq 'Fence' -and $_.Lang -eq 'yaml' } | Select-Object -First 1
            if ($yaml) { $defaults[$pname] = (Read-PfaYamlBlock $yaml.Text)['Default value'] }
        }
    }
    $byName = @{}
    foreach ($p in @($Meta.Parameters)) { $byName[$p.Name] = $p }

    # SYNTAX: one item per real parameter set, default set first; positional parameters in position order.
    $w.WriteStartElement('command', 'syntax', $script:NsCommand)
    $sets = @($Meta.ParameterSets | Sort-Object @{ Expression = { -not $_.IsDefault } }, @{ Expression = { [array]::IndexOf(@($Meta.SetOrder), $_.Name) } })
    foreach ($set in $sets) {
        $w.WriteStartElement('command', 'syntaxItem', $script:NsCommand)
        $w.WriteElementString('maml', 'name', $script:NsMaml, $Meta.Name)
        $entries = foreach ($pname in @($set.Parameters)) {
            $p = $byName[$pname]
            $setMeta = @($p.Sets | Where-Object { $_.Name -eq $set.Name -or $_.Name -eq '__AllParameterSets' })[0]
            [pscustomobject] @{ P = $p; S = $setMeta; Order = $(if ($setMeta.Position -ge 0) { $setMeta.Position } else { 1000 }); Mandatory = $(if ($setMeta.Mandatory) { 0 } else { 1 }); Switch = [int] $p.IsSwitch }
        }
        foreach ($e in @($entries | Sort-Object Order, Mandatory, Switch)) {
            Write-PfaParameterElement -Writer $w -Param $e.P -SetMeta $e.S -Description @($descriptions[$e.P.Name]) -DefaultText $defaults[$e.P.Name] -InSyntax
        }
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    # PARAMETERS: every real parameter once, alphabetically, as platyPS orders them.
    $w.WriteStartElement('command', 'parameters', $script:NsCommand)
    foreach ($p in @($Meta.Parameters | Sort-Object Name)) {
        $setMeta = $p.Sets | Where-Object { $_.Name -eq $Meta.DefaultParameterSet } | Select-Object -First 1
        if (-not $setMeta) { $setMeta = $p.Sets | Select-Object -First 1 }
        Write-PfaParameterElement -Writer $w -Param $p -SetMeta $setMeta -Description @($descriptions[$p.Name]) -DefaultText $defaults[$p.Name]
    }
    $w.WriteEndElement()

    Write-PfaTypeList $w 'inputTypes' 'inputType' $(if ($Doc.Sections.Contains('INPUTS')) { $Doc.Sections['INPUTS'] })
    Write-PfaTypeList $w 'returnValues' 'returnValue' $(if ($Doc.Sections.Contains('OUTPUTS')) { $Doc.Sections['OUTPUTS'] })

    $w.WriteStartElement('maml', 'alertSet', $script:NsMaml)
    $w.WriteStartElement('maml', 'alert', $script:NsMaml)
    foreach ($para in @(Get-PfaSectionParagraphs $(if ($Doc.Sections.Contains('NOTES')) { $Doc.Sections['NOTES'] }))) { $w.WriteElementString('maml', 'para', $script:NsMaml, $para) }
    $w.WriteEndElement()
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'examples', $script:NsCommand)
    foreach ($example in @($Doc.Sections['EXAMPLES'].Subs)) {
        $blocks = @(Split-PfaMarkdownBlocks @($example.Lines))
        $codeIndex = [array]::IndexOf(@($blocks | ForEach-Object Kind), 'Fence')
        $intro = @(if ($codeIndex -gt 0) { Get-PfaParagraphs @($blocks[0..($codeIndex - 1)]) })
        $remarks = @(if ($codeIndex -lt $blocks.Count - 1) { Get-PfaParagraphs @($blocks[($codeIndex + 1)..($blocks.Count - 1)]) })
        $w.WriteStartElement('command', 'example', $script:NsCommand)
        $w.WriteElementString('maml', 'title', $script:NsMaml, "-------------------------- $($example.Title.Trim()) --------------------------")
        $w.WriteStartElement('maml', 'introduction', $script:NsMaml)
        foreach ($para in $intro) { $w.WriteElementString('maml', 'para', $script:NsMaml, $para) }
        $w.WriteEndElement()
        $w.WriteElementString('dev', 'code', $script:NsDev, $blocks[$codeIndex].Text)
        $w.WriteStartElement('dev', 'remarks', $script:NsDev)
        foreach ($para in $remarks) { $w.WriteElementString('maml', 'para', $script:NsMaml, $para) }
        $w.WriteEndElement()
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'relatedLinks', $script:NsCommand)
    $online = if ($Doc.FrontMatter.Contains('online version')) { $Doc.FrontMatter['online version'] } else { '' }
    if ($online) {
        $w.WriteStartElement('maml', 'navigationLink', $script:NsMaml)
        $w.WriteElementString('maml', 'linkText', $script:NsMaml, 'Online Version:')
        $w.WriteElementString('maml', 'uri', $script:NsMaml, $online)
        $w.WriteEndElement()
    }
    if ($Doc.Sections.Contains('RELATED LINKS')) {
        foreach ($line in $Doc.Sections['RELATED LINKS'].Lines) {
            foreach ($m in [regex]::Matches($line, '\[([^\]]+)\]\(([^)\s]*)\)')) {
                # Get-Help -Online opens the first related link that has a URI. This module has no online help pages,
                # so a web page in RELATED LINKS (background reading, not this cmdlet's help) keeps its address in the
                # link text only: -Online then says that there is no online version instead of opening that page.
                $uri = $m.Groups[2].Value
                $text = if ($uri -match '^https?://') { "$($m.Groups[1].Value): $uri" } else { $m.Groups[1].Value }
                $w.WriteStartElement('maml', 'navigationLink', $script:NsMaml)
                $w.WriteElementString('maml', 'linkText', $script:NsMaml, $text)
                $w.WriteElementString('maml', 'uri', $script:NsMaml, '')
                $w.WriteEndElement()
            }
        }
    }
    $w.WriteEndElement()

    $w.WriteEndElement()
}

#endregion

#region About topic

function Format-PfaWrapped {
    param([string] $Text, [int] $Indent, [int] $Width = 80, [int] $HangingIndent = 0)
    $pad = ' ' * $Indent
    $lines = [System.Collections.Generic.List[string]]::new()
    $current = ''
    foreach ($word in ($Text -split '\s+')) {
        if (-not $word) { continue }
        $prefix = if ($lines.Count -eq 0) { $pad } else { $pad + (' ' * $HangingIndent) }
        if ($current.Length -eq 0) { $current = $prefix + $word }
        elseif ($current.Length + 1 + $word.Length -le $Width) { $current += ' ' + $word }
        else { $lines.Add($current); $current = $pad + (' ' * $HangingIndent) + $word }
    }
    if ($current.Length -gt 0) { $lines.Add($current) }
    $lines
}

function ConvertTo-PfaAboutText {
    <# about_*.md (platyPS about schema: '# about_Name', '## SHORT DESCRIPTION', '## LONG DESCRIPTION', ...) to help.txt. #>
    param([Parameter(Mandatory)] [string] $Path)
    $lines = @((Get-Content -LiteralPath $Path -Encoding utf8) | ForEach-Object { $_ -replace "`r$", '' })
    $index = 0
    if ($lines.Count -gt 0 -and $lines[0].Trim() -eq '---') {
        $index = 1
        while ($index -lt $lines.Count -and $lines[$index].Trim() -ne '---') { $index++ }
        $index++
    }
    $body = @(if ($index -lt $lines.Count) { $lines[$index..($lines.Count - 1)] })
    $out = [System.Collections.Generic.List[string]]::new()
    $title = $null
    $sections = [System.Collections.Generic.List[string]]::new()
    $paragraph = [System.Collections.Generic.List[string]]::new()
    $inFence = $false
    $flush = {
        if ($paragraph.Count -eq 0) { return }
        $isList = $false
        foreach ($l in $paragraph) { if ($l -match '^\s*([-*+]|\d+\.)\s+') { $isList = $true; break } }
        $isTable = $paragraph[0] -match '^\s*\|'
        if ($isTable) {
            foreach ($l in $paragraph) { if ($l -notmatch '^\s*\|[\s|:-]+\|\s*$') { $out.Add('    ' + (ConvertFrom-PfaInlineMarkdown $l.Trim())) } }
        }
        elseif ($isList) {
            $items = [System.Collections.Generic.List[string]]::new()
            foreach ($l in $paragraph) {
                if ($l -match '^\s*([-*+]|\d+\.)\s+(.*)$' -or $items.Count -eq 0) { $items.Add($(if ($Matches -and $l -match '^\s*([-*+]|\d+\.)\s+(.*)$') { $(if ($Matches[1] -match '\d') { $Matches[1] + ' ' } else { '- ' }) + $Matches[2] } else { $l.Trim() })) }
                else { $items[$items.Count - 1] += ' ' + $l.Trim() }
            }
            foreach ($item in $items) { foreach ($l in (Format-PfaWrapped (ConvertFrom-PfaInlineMarkdown $item) 4 80 2)) { $out.Add($l) } }
        }
        else {
            $trimmed = foreach ($l in $paragraph) { $l.Trim() }
            foreach ($l in (Format-PfaWrapped (ConvertFrom-PfaInlineMarkdown (@($trimmed) -join ' ')) 4)) { $out.Add($l) }
        }
        $out.Add('')
        $paragraph.Clear()
    }
    foreach ($line in $body) {
        if ($line -match '^\s*```') {
            & $flush
            if ($inFence) { $out.Add('') }
            $inFence = -not $inFence
            continue
        }
        if ($inFence) { $out.Add('        ' + $line); continue }
        if ($line -match '^#\s+(.+?)\s*$') { & $flush; $title = $Matches[1]; $out.Add('TOPIC'); $out.Add('    ' + $title); $out.Add(''); continue }
        if ($line -match '^##\s+(.+?)\s*$') { & $flush; $sections.Add($Matches[1].ToUpperInvariant()); $out.Add($Matches[1].ToUpperInvariant()); continue }
        if ($line -match '^###+\s+(.+?)\s*$') { & $flush; $out.Add('  ' + (ConvertFrom-PfaInlineMarkdown $Matches[1]).ToUpperInvariant()); continue }
        if ($line.Trim().Length -eq 0) { & $flush; continue }
        $paragraph.Add($line)
    }
    if ($inFence) { throw "$Path : a ``````code block is not closed." }
    & $flush
    $expected = 'about_' + ((Split-Path $Path -Leaf) -replace '^about_', '' -replace '\.md$', '')
    if ($title -ne $expected) { throw "$Path : the title must be '# $expected'." }
    foreach ($required in 'SHORT DESCRIPTION', 'LONG DESCRIPTION') {
        if ($sections -notcontains $required) { throw "$Path : the '## $required' section is missing." }
    }
    ($out -join [Environment]::NewLine).TrimEnd() + [Environment]::NewLine
}

#endregion

function Build-PfaHelp {
    <#
    .SYNOPSIS
        Compiles docs/en-US/*.md into <OutputPath>/PfaAzureDevOps.dll-Help.xml and about_*.help.txt, checking the
        markdown against the packaged module's real commands. Throws, listing every problem, when they disagree.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string] $ModuleManifest,
        [Parameter(Mandatory)] [string] $DocsPath,
        [Parameter(Mandatory)] [string] $OutputPath,
        # The pwsh to read the commands in (same version as this one; build.ps1 passes the compiled copy the tests use).
        [string] $PwshHome = $PSHOME
    )
    $ErrorActionPreference = 'Stop'
    if (-not (Test-Path -LiteralPath $ModuleManifest -PathType Leaf)) { throw "Help compiler: module manifest '$ModuleManifest' not found." }
    if (-not (Test-Path -LiteralPath $DocsPath -PathType Container)) { throw "Help compiler: docs folder '$DocsPath' not found." }
    $manifestData = Import-PowerShellDataFile -LiteralPath $ModuleManifest
    $moduleName = [IO.Path]::GetFileNameWithoutExtension($ModuleManifest)
    $helpFileName = [IO.Path]::GetFileNameWithoutExtension([string] $manifestData.RootModule) + '.dll-Help.xml'
    if ($manifestData.RootModule -like '*.dll') { $helpFileName = [string] $manifestData.RootModule + '-Help.xml' }

    $commands = @(Get-PfaCommandMetadata -ModuleManifest $ModuleManifest -PwshHome $PwshHome)
    $problems = [System.Collections.Generic.List[string]]::new()
    if ($commands.Count -eq 0) { $problems.Add("$moduleName exports no cmdlets.") }
    $exported = @($commands | ForEach-Object Name)
    foreach ($declared in @($manifestData.CmdletsToExport)) {
        if ($exported -notcontains $declared) { $problems.Add("CmdletsToExport names $declared, but the module does not export it.") }
    }

    $docs = @{}
    foreach ($meta in $commands) {
        $path = Join-Path $DocsPath "$($meta.Name).md"
        if (-not (Test-Path -LiteralPath $path -PathType Leaf)) { $problems.Add("$($meta.Name) has no help page: create $path."); continue }
        try { $doc = Read-PfaMarkdown -Path $path }
        catch { $problems.Add("$path : $($_.Exception.Message)"); continue }
        try { foreach ($p in (Test-PfaCommandDoc -Doc $doc -Meta $meta)) { $problems.Add($p) } }
        catch { $problems.Add("$path : $($_.Exception.Message)") }
        $docs[$meta.Name] = $doc
    }
    foreach ($file in @(Get-ChildItem -LiteralPath $DocsPath -Filter '*.md' -File)) {
        $base = $file.BaseName
        if ($base -like 'about_*') { continue }
        if ($exported -notcontains $base) { $problems.Add("$($file.Name) documents '$base', which $moduleName does not export (remove the page or export the command).") }
    }
    $abouts = @(Get-ChildItem -LiteralPath $DocsPath -Filter 'about_*.md' -File)
    if (-not ($abouts | Where-Object BaseName -eq "about_$moduleName")) { $problems.Add("The module has no about topic: create $(Join-Path $DocsPath "about_$moduleName.md").") }
    $aboutTexts = @{}
    foreach ($about in $abouts) {
        try { $aboutTexts[$about.BaseName] = ConvertTo-PfaAboutText -Path $about.FullName }
        catch { $problems.Add($_.Exception.Message) }
    }

    if ($problems.Count -gt 0) {
        throw ("The help in $DocsPath does not match $moduleName ($($problems.Count) problem$(if ($problems.Count -ne 1) { 's' })):" + [Environment]::NewLine + (($problems | ForEach-Object { "  - $_" }) -join [Environment]::NewLine))
    }

    New-Item -ItemType Directory -Path $OutputPath -Force | Out-Null
    $target = Join-Path $OutputPath $helpFileName
    $settings = [System.Xml.XmlWriterSettings]::new()
    $settings.Indent = $true
    $settings.IndentChars = '  '
    $settings.Encoding = [System.Text.UTF8Encoding]::new($false)
    $settings.NewLineHandling = [System.Xml.NewLineHandling]::Entitize
    $settings.NewLineHandling = [System.Xml.NewLineHandling]::None
    $writer = [System.Xml.XmlWriter]::Create($target, $settings)
    try {
        $writer.WriteStartDocument()
        $writer.WriteStartElement('helpItems', $script:NsMsh)
        $writer.WriteAttributeString('schema', 'maml')
        foreach ($meta in $commands) { Write-PfaCommandMaml -Writer $writer -Doc $docs[$meta.Name] -Meta $meta }
        $writer.WriteEndElement()
        $writer.WriteEndDocument()
    }
    finally {
        $writer.Dispose()
    }
    # The result must be well-formed XML PowerShell can read.
    [xml] $check = Get-Content -LiteralPath $target -Raw
    if (@($check.helpItems.command).Count -ne $commands.Count) { throw "Help compiler: $target holds $(@($check.helpItems.command).Count) commands, expected $($commands.Count)." }

    foreach ($name in $aboutTexts.Keys) {
        [IO.File]::WriteAllText((Join-Path $OutputPath "$name.help.txt"), $aboutTexts[$name], [System.Text.UTF8Encoding]::new($false))
    }
    Write-Verbose "Help: $($commands.Count) commands to $target; $($aboutTexts.Count) about topic(s)."
    Write-Host "Help: $($commands.Count) commands and $($aboutTexts.Count) about topic(s) compiled to $OutputPath"
}

Export-ModuleMember -Function Build-PfaHelp
