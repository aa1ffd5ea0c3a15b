#requires -Modules Pester
<#
    Meta-tests over the whole module (in the spirit of ADOPS): every exported command has a help page, complete
    help, every real parameter documented, [OutputType], an approved verb, ShouldProcess where it changes state,
    exports equal to the manifest, an about topic, and at least one other test file that names it.
#>

BeforeDiscovery {
    $manifestPath = $env:PFA_TEST_MODULE_MANIFEST
    if (-not $manifestPath) { throw 'PFA_TEST_MODULE_MANIFEST is not set: run through ./build.ps1 Test.' }
    $manifest = Import-PowerShellDataFile -LiteralPath $manifestPath
    $script:CommandCases = @($manifest.CmdletsToExport | ForEach-Object { @{ Name = $_ } })
    # Verbs that change state: their commands must support ShouldProcess (-WhatIf, -Confirm).
    $stateChanging = @('Register', 'Unregister', 'Set', 'New', 'Remove', 'Add', 'Connect', 'Disconnect', 'Export')
    $script:StateChangingCases = @($script:CommandCases | Where-Object { $stateChanging -contains ($_.Name -split '-')[0] })
}

BeforeAll {
    $script:Module = Import-Module -Name $env:PFA_TEST_MODULE_MANIFEST -Force -PassThru -ErrorAction Stop
    $script:Manifest = Import-PowerShellDataFile -LiteralPath $env:PFA_TEST_MODULE_MANIFEST
    $script:Repository = $env:PFA_TEST_REPOSITORY
    $script:DocsPath = Join-Path $script:Repository 'docs/en-US'
    $script:Common = [System.Management.Automation.PSCmdlet]::CommonParameters
    $script:ApprovedVerbs = @(Get-Verb | ForEach-Object Verb)
    $otherTests = @(Get-ChildItem -LiteralPath (Join-Path $script:Repository 'tests') -Recurse -File -Include '*.ps1', '*.psm1', '*.cs' |
            Where-Object { $_.Name -ne 'Help.Tests.ps1' -and $_.FullName -notmatch '[\\/](bin|obj)[\\/]' })
    $script:OtherTestText = @($otherTests | ForEach-Object { [pscustomobject] @{ Path = $_.FullName; Text = (Get-Content -LiteralPath $_.FullName -Raw) } })

    function Get-RealParameterNames([string] $Name) {
        @((Get-Command -Name $Name -Module PfaAzureDevOps).Parameters.Keys | Where-Object { $script:Common -notcontains $_ } | Sort-Object)
    }
    # Get-Help -Full of a command, read once per command: it is the file's cost (about 0.1 CPU s a call, and the
    # tests below read the same page up to six times). Get-Help builds a new object from the MAML on every call and
    # the tests only read it, so one read serves them all; the first read of each command still happens here, from
    # the packaged module's MAML.
    $script:HelpCache = @{}
    function Get-FullHelp([string] $Name) {
        if (-not $script:HelpCache.ContainsKey($Name)) { $script:HelpCache[$Name] = Get-Help -Name $Name -Full -ErrorAction Stop }
        $script:HelpCache[$Name]
    }
    function Get-HelpParameters([string] $Name) {
        $help = Get-FullHelp $Name
        if (-not ($help.PSObject.Properties['parameters'] -and $help.parameters -and $help.parameters.PSObject.Properties['parameter'])) { return @() }
        @($help.parameters.parameter)
    }
    function Get-ParaText($Value) {
        if ($null -eq $Value) { return '' }
        (@($Value) | ForEach-Object { if ($_ -is [string]) { $_ } elseif ($_.PSObject.Properties['Text']) { $_.Text } else { [string] $_ } }) -join "`n"
    }
}

Describe 'Module exports' {
    It 'exports exactly the manifest''s CmdletsToExport' {
        $exported = @($script:Module.ExportedCmdlets.Keys | Sort-Object)
        $declared = @($script:Manifest.CmdletsToExport | Sort-Object)
        $missing = @($declared | Where-Object { $exported -notcontains $_ })
        $extra = @($exported | Where-Object { $declared -notcontains $_ })
        $missing | Should -BeNullOrEmpty -Because "the manifest declares them but the module does not export: $($missing -join ', ')"
        $extra | Should -BeNullOrEmpty -Because "the module exports them but the manifest does not declare: $($extra -join ', ')"
    }

    It 'exports no functions, aliases or variables beyond the manifest' {
        @($script:Module.ExportedFunctions.Keys) | Should -BeNullOrEmpty -Because 'the manifest exports no functions'
        @($script:Module.ExportedAliases.Keys) | Should -BeNullOrEmpty -Because 'the manifest exports no aliases'
    }

    It 'has an about topic that Get-Help finds' {
        Test-Path (Join-Path $script:DocsPath 'about_PfaAzureDevOps.md') | Should -BeTrue -Because 'docs/en-US/about_PfaAzureDevOps.md must exist'
        $about = Get-Help -Name about_PfaAzureDevOps -ErrorAction Stop | Out-String
        $about | Should -Match 'about_PfaAzureDevOps' -Because 'Get-Help about_PfaAzureDevOps must return the topic'
        $about | Should -Match 'SHORT DESCRIPTION' -Because 'the about topic must have a short description'
        foreach ($name in $script:Manifest.CmdletsToExport) {
            $about | Should -Match ([regex]::Escape($name)) -Because "the about topic must mention the exported cmdlet $name"
        }
    }
}

Describe 'Help and conventions of <Name>' -ForEach $script:CommandCases {
    BeforeAll {
        $script:Command = Get-Command -Name $Name -Module PfaAzureDevOps -ErrorAction Stop
        $script:Help = Get-FullHelp $Name
    }

    It 'has a help page docs/en-US/<Name>.md' {
        $page = Join-Path $script:DocsPath "$Name.md"
        Test-Path -LiteralPath $page | Should -BeTrue -Because "$Name needs its help page $page"
    }

    It 'has compiled help (not the auto-generated stub)' {
        $script:Help.PSObject.Properties['description'] | Should -Not -BeNullOrEmpty -Because "Get-Help $Name must come from the MAML file, not be generated from the signature"
        $script:Help.ModuleName | Should -Be 'PfaAzureDevOps' -Because "Get-Help $Name must name the module"
    }

    It 'has a non-empty synopsis' {
        $synopsis = [string] $script:Help.Synopsis
        $synopsis.Trim() | Should -Not -BeNullOrEmpty -Because "$Name's synopsis is empty"
        $synopsis.Trim() | Should -Not -Match ('^' + [regex]::Escape($Name)) -Because "$Name's synopsis is the generated syntax, not a written synopsis"
    }

    It 'has a non-empty description' {
        (Get-ParaText $script:Help.description).Trim() | Should -Not -BeNullOrEmpty -Because "$Name's description is empty"
    }

    It 'has at least one example, each with code' {
        $examples = @(if ($script:Help.PSObject.Properties['examples'] -and $script:Help.examples) { $script:Help.examples.example })
        $examples.Count | Should -BeGreaterThan 0 -Because "$Name has no example"
        foreach ($example in $examples) {
            ([string] $example.code).Trim() | Should -Not -BeNullOrEmpty -Because "$Name's example '$($example.title.Trim('- '))' has no code"
            ([string] $example.code) | Should -Match ([regex]::Escape($Name)) -Because "$Name's example '$($example.title.Trim('- '))' should run $Name"
        }
    }

    It 'documents every real parameter, with a description' {
        $helpParameters = Get-HelpParameters $Name
        foreach ($parameter in (Get-RealParameterNames $Name)) {
            $documented = $helpParameters | Where-Object { $_.name -eq $parameter }
            $documented | Should -Not -BeNullOrEmpty -Because "$Name -$parameter is not in Get-Help"
            (Get-ParaText $documented.description).Trim() | Should -Not -BeNullOrEmpty -Because "$Name -$parameter has no description in Get-Help"
        }
    }

    It 'documents exactly the real parameters' {
        $real = @(Get-RealParameterNames $Name)
        $documented = @(Get-HelpParameters $Name | ForEach-Object { [string] $_.name } | Where-Object { $script:Common -notcontains $_ } | Sort-Object)
        $notReal = @($documented | Where-Object { $real -notcontains $_ })
        $notDocumented = @($real | Where-Object { $documented -notcontains $_ })
        $notReal | Should -BeNullOrEmpty -Because "$Name's help documents parameters it does not have: $($notReal -join ', ')"
        $notDocumented | Should -BeNullOrEmpty -Because "$Name has undocumented parameters: $($notDocumented -join ', ')"
    }

    It 'documents each parameter''s type, mandatory and position as the code declares them' {
        $helpParameters = Get-HelpParameters $Name
        foreach ($parameter in @($script:Command.Parameters.Values | Where-Object { $script:Common -notcontains $_.Name })) {
            $documented = $helpParameters | Where-Object { $_.name -eq $parameter.Name } | Select-Object -First 1
            if (-not $documented) { continue }
            $type = $parameter.ParameterType
            if ([Nullable]::GetUnderlyingType($type)) { $type = [Nullable]::GetUnderlyingType($type) }
            ([string] $documented.type.name) | Should -BeIn @($type.Name, $type.FullName) -Because "$Name -$($parameter.Name) is a $($type.Name) in the code"
            $mandatory = @($parameter.ParameterSets.Values | Where-Object IsMandatory).Count -gt 0
            ([string] $documented.required) | Should -Be ([string] $mandatory).ToLowerInvariant() -Because "$Name -$($parameter.Name) is $(if ($mandatory) { 'mandatory' } else { 'optional' }) in the code"
        }
    }

    It 'declares [OutputType]' {
        @($script:Command.OutputType).Count | Should -BeGreaterThan 0 -Because "$Name has no [OutputType] attribute"
        $outputs = (@($script:Help.returnValues.returnValue) | ForEach-Object { [string] $_.type.name }) -join ', '
        foreach ($type in $script:Command.OutputType) {
            $outputs | Should -Match ([regex]::Escape($type.Name)) -Because "$Name's [OutputType] $($type.Name) is not under OUTPUTS in its help"
        }
    }

    It 'uses an approved verb' {
        $script:Command.Verb | Should -BeIn $script:ApprovedVerbs -Because "$Name's verb '$($script:Command.Verb)' is not approved (Get-Verb)"
    }

    It 'is named in at least one test file other than Help.Tests.ps1' {
        $testedIn = @($script:OtherTestText | Where-Object { $_.Text -match "\b$([regex]::Escape($Name))\b" } | ForEach-Object Path)
        $testedIn | Should -Not -BeNullOrEmpty -Because "$Name is not named in any file under tests/ other than Help.Tests.ps1: nobody tests it yet"
    }
}

Describe 'ShouldProcess of <Name>, which changes state' -ForEach $script:StateChangingCases {
    It 'supports ShouldProcess (-WhatIf and -Confirm)' {
        $command = Get-Command -Name $Name -Module PfaAzureDevOps -ErrorAction Stop
        $attribute = $command.ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false) | Select-Object -First 1
        $attribute.SupportsShouldProcess | Should -BeTrue -Because "$Name changes state, so its [Cmdlet] attribute must set SupportsShouldProcess"
        $command.Parameters.ContainsKey('WhatIf') | Should -BeTrue -Because "$Name changes state, so it must have -WhatIf"
        $command.Parameters.ContainsKey('Confirm') | Should -BeTrue -Because "$Name changes state, so it must have -Confirm"
    }
}

Describe 'Host-key parameters -HostKeyFingerprint and -KnownHostsPath' {
    # Declared twice in the code (PfaSshHostCmdlet, AzDevOpsSshHostCmdlet: a cmdlet has one base class), so this is what
    # keeps them one parameter: every cmdlet that has them declares them alike, statically (not as dynamic parameters,
    # which CommandMetadata, proxy commands and implicit remoting leave out, and Get-Command -Syntax lists last).
    BeforeAll {
        $script:HostKeyNames = @('HostKeyFingerprint', 'KnownHostsPath')
        # A parameter as PowerShell sees it: everything a caller, a proxy or a doc tool could tell apart.
        function Get-ParameterShape([System.Management.Automation.CommandInfo] $Command, [string] $Parameter) {
            $info = $Command.Parameters[$Parameter]
            $help = Get-HelpParameters $Command.Name | Where-Object { $_.name -eq $Parameter } | Select-Object -First 1
            $sets = @($info.ParameterSets.GetEnumerator() | Sort-Object Key | ForEach-Object {
                    $m = $_.Value
                    '{0}: mandatory={1} position={2} pipeline={3} byPropertyName={4} remaining={5}' -f $_.Key, $m.IsMandatory, $m.Position, $m.ValueFromPipeline, $m.ValueFromPipelineByPropertyName, $m.ValueFromRemainingArguments
                })
            $attributes = @($info.Attributes | Where-Object { $_ -isnot [System.Management.Automation.ParameterAttribute] } | ForEach-Object { $_.GetType().FullName } | Sort-Object)
            @(
                "type=$($info.ParameterType.FullName)"
                "dynamic=$($info.IsDynamic)"
                "aliases=$(@($info.Aliases | Sort-Object) -join ',')"
                "attributes=$($attributes -join ',')"
                "sets=$($sets -join '; ')"
                "help: type=$($help.type.name) required=$($help.required) position=$($help.position) pipeline=$($help.pipelineInput)"
            ) -join "`n"
        }
        $script:HostKeyCommands = @(Get-Command -Module PfaAzureDevOps -CommandType Cmdlet | Where-Object {
                $parameters = $_.Parameters
                @($script:HostKeyNames | Where-Object { $parameters.ContainsKey($_) }).Count -gt 0
            } | Sort-Object Name)
    }

    It 'is on every cmdlet that reaches a git server over SSH, both parameters together' {
        $names = @($script:HostKeyCommands | ForEach-Object Name)
        foreach ($expected in 'Connect-PfaAzureDevOps', 'Copy-PfaAzureDevOpsRepository', 'Test-PfaAzureDevOpsIntegration', 'Test-PfaAzureDevOpsSshAccess', 'Update-PfaAzureDevOpsRepository', 'Update-PfaSshKey') {
            $names | Should -Contain $expected -Because "$expected reaches a git server over SSH, so it pins the host key with -HostKeyFingerprint or -KnownHostsPath"
        }
        foreach ($command in $script:HostKeyCommands) {
            foreach ($parameter in $script:HostKeyNames) {
                $command.Parameters.ContainsKey($parameter) | Should -BeTrue -Because "$($command.Name) has one host-key parameter, so it needs -$parameter too"
            }
        }
    }

    It 'declares -<_> the same way on every such cmdlet: static, optional, named, in all sets, not null or empty' -ForEach @('HostKeyFingerprint', 'KnownHostsPath') {
        $parameter = $_
        $expected = @(
            'type=System.String'
            'dynamic=False'
            'aliases='
            'attributes=System.Management.Automation.ValidateNotNullOrEmptyAttribute'
            "sets=__AllParameterSets: mandatory=False position=$([int]::MinValue) pipeline=False byPropertyName=False remaining=False"
            'help: type=String required=false position=named pipeline=False'
        ) -join "`n"
        foreach ($command in $script:HostKeyCommands) {
            Get-ParameterShape $command $parameter | Should -BeExactly $expected -Because "-$parameter must be one parameter across the cmdlets; $($command.Name) declares it differently"
        }
    }

    It 'puts them in the command metadata that proxy commands and implicit remoting use' {
        foreach ($command in $script:HostKeyCommands) {
            $metadata = [System.Management.Automation.CommandMetadata]::new($command)
            foreach ($parameter in $script:HostKeyNames) {
                $metadata.Parameters.ContainsKey($parameter) | Should -BeTrue -Because "[CommandMetadata] of $($command.Name) must include -$parameter (dynamic parameters are left out of it)"
            }
            $proxy = [System.Management.Automation.ProxyCommand]::Create($metadata)
            foreach ($parameter in $script:HostKeyNames) {
                $proxy | Should -Match ([regex]::Escape('${' + $parameter + '}')) -Because "a proxy of $($command.Name) must declare -$parameter in its param block"
            }
        }
    }
}
