#requires -Modules Pester
# The local Azure DevOps's lifetime (tests/TestServers): it lives until Stop-LocalAzureDevOps or until the process that
# started it is gone, whatever that process's terminal does. In an interactive pwsh, Ctrl+C on any command sends
# SIGINT to the terminal's whole foreground process group; the emulator was in it and stopped (connection refused a
# minute later). Each case runs the starting pwsh as a child in a process group of its own, standing in for the terminal's.
BeforeDiscovery {
    $script:CanRun = $IsLinux -and (Test-Path /usr/bin/setsid) -and (Test-Path /usr/bin/env)
    if ($CanRun) { & /usr/bin/env --default-signal=INT true 2>$null; $script:CanRun = $LASTEXITCODE -eq 0 }
}

Describe 'The local Azure DevOps''s lifetime' -Skip:(-not $CanRun) {
    BeforeAll {
        $script:Helpers = (Resolve-Path (Join-Path $PSScriptRoot '../TestHelpers/LocalAzureDevOps.psm1')).Path
        $script:Pwsh = Join-Path $PSHOME 'pwsh'

        # A pwsh in a session and process group of its own (setsid execs in place: its PID leads the group) that starts
        # the emulator, writes what the test needs to $Info, then runs $Then. Returns the child process.
        function script:Start-Starter([string] $Info, [string] $Then) {
            $script = Join-Path ([IO.Path]::GetTempPath()) ('pfa-starter-' + [guid]::NewGuid().ToString('N') + '.ps1')
            Set-Content -Path $script -Encoding utf8 -Value @"
`$ErrorActionPreference = 'Stop'
Import-Module '$Helpers'
`$ado = Start-LocalAzureDevOps
`$health = `$ado.HttpUrl.TrimEnd('/') + '/_test/health'
[IO.File]::WriteAllText('$Info.tmp', (@{ pid = `$ado.Pid; health = `$health } | ConvertTo-Json))
[IO.File]::Move('$Info.tmp', '$Info')
$Then
"@
            # env --default-signal: a test run started in the background of a shell inherits SIGINT ignored, and so would
            # the emulator, which would then pass the Ctrl+C case for the wrong reason.
            $psi = [Diagnostics.ProcessStartInfo]::new('/usr/bin/setsid')
            foreach ($a in @('/usr/bin/env', '--default-signal=INT,QUIT,HUP', $Pwsh, '-NoProfile', '-NonInteractive', '-File', $script)) { $psi.ArgumentList.Add($a) }
            $psi.UseShellExecute = $false
            $psi.RedirectStandardInput = $true
            $psi.RedirectStandardOutput = $true
            $psi.RedirectStandardError = $true
            $p = [Diagnostics.Process]::Start($psi)
            $p.StandardInput.Close()
            $null = $p.StandardOutput.ReadToEndAsync(); $null = $p.StandardError.ReadToEndAsync()
            $deadline = [DateTime]::UtcNow.AddSeconds(120)
            while (-not (Test-Path $Info) -and -not $p.HasExited -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
            Test-Path $Info | Should -BeTrue -Because 'the starter pwsh reports the emulator it started'
            $p
        }

        function script:Test-Alive([int] $ProcessId) { Test-Path "/proc/$ProcessId" }

        function script:Wait-Gone([int] $ProcessId, [int] $Seconds) {
            $deadline = [DateTime]::UtcNow.AddSeconds($Seconds)
            while ((Test-Alive $ProcessId) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 200 }
            -not (Test-Alive $ProcessId)
        }

        $script:Children = [Collections.Generic.List[Diagnostics.Process]]::new()
        $script:Servers = [Collections.Generic.List[int]]::new()
    }

    AfterAll {
        foreach ($p in $Children) { if (-not $p.HasExited) { $p.Kill($true) }; $p.Dispose() }
        foreach ($id in $Servers) { if (Test-Alive $id) { & kill -KILL $id 2>$null } }
    }

    It 'Ctrl+C in the pwsh that started it (SIGINT to its process group) does not stop it' {
        $info = Join-Path ([IO.Path]::GetTempPath()) ('pfa-starter-' + [guid]::NewGuid().ToString('N') + '.json')
        # The starter waits in a .NET call, which pwsh's Ctrl+C handler does not interrupt: it outlives the SIGINT as an
        # interactive pwsh does (so the watchdog has no reason to act), while the emulator gets it if it is in the group.
        $p = Start-Starter -Info $info -Then '[Threading.Thread]::Sleep(120000)'
        $Children.Add($p)
        $started = Get-Content $info -Raw | ConvertFrom-Json
        $Servers.Add([int]$started.pid)
        (Invoke-RestMethod -Uri $started.health -NoProxy).ok | Should -BeTrue
        & /usr/bin/kill -s INT -- "-$($p.Id)"   # what the terminal does on Ctrl+C: every process of its foreground group
        Start-Sleep -Seconds 3                  # ASP.NET Core stops within a moment of SIGINT
        Test-Alive $p.Id | Should -BeTrue -Because 'the starter itself lives on, as an interactive pwsh does'
        Test-Alive $started.pid | Should -BeTrue -Because 'SIGINT to the starter''s process group must not reach the emulator'
        (Invoke-RestMethod -Uri $started.health -NoProxy).ok | Should -BeTrue
        Remove-Item $info -ErrorAction Ignore
    }

    It 'it is stopped when the pwsh that started it is gone (kill -9), and never outlives it' {
        $info = Join-Path ([IO.Path]::GetTempPath()) ('pfa-starter-' + [guid]::NewGuid().ToString('N') + '.json')
        $p = Start-Starter -Info $info -Then 'Start-Sleep -Seconds 300'
        $Children.Add($p)
        $started = Get-Content $info -Raw | ConvertFrom-Json
        $Servers.Add([int]$started.pid)
        Test-Alive $started.pid | Should -BeTrue
        $p.Kill()   # this PID only: SIGKILL, so nothing of the starter runs any more
        Wait-Gone -ProcessId $started.pid -Seconds 30 | Should -BeTrue -Because 'the watchdog stops the emulator once its starter is gone'
        Remove-Item $info -ErrorAction Ignore
    }

    It 'Stop-LocalAzureDevOps stops it and its watchdog by PID' {
        Import-Module $Helpers -Force
        $ado = Start-LocalAzureDevOps
        $watchdog = $ado.Server.WatchdogId
        $watchdog | Should -BeGreaterThan 0
        Test-Alive $watchdog | Should -BeTrue
        Stop-LocalAzureDevOps $ado
        Test-Alive $ado.Pid | Should -BeFalse
        Wait-Gone -ProcessId $watchdog -Seconds 10 | Should -BeTrue
    }
}
