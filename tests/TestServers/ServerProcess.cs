using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading;

namespace PfaAzureDevOps.TestServers
{
    /// <summary>
    /// A server program started with its standard output and error going to files, through <c>/bin/sh -c exec</c>, so no
    /// pipe can fill up and the PID is the program's own; stopped by that PID only (SIGTERM, then SIGKILL).
    /// It runs in a session of its own (<c>setsid</c>, which execs in place: the PID stays the program's) and shares none
    /// of our standard streams, so the terminal's signals never reach it: in an interactive pwsh, Ctrl+C on any command
    /// sent SIGINT to the whole foreground process group, and the emulator (ASP.NET Core stops on SIGINT) was gone.
    /// Because it then no longer dies with the terminal either, a watchdog (a shell loop, also in its own session) stops
    /// it by PID when the process that started it is gone, so it never outlives that process (pwsh's exit, kill -9).
    /// </summary>
    public sealed class ServerProcess : IDisposable
    {
        private const int SigTerm = 15;
        private const int SigKill = 9;

        // $1 parent PID, $2 server PID: polls both every second; when the parent is gone and the server is not, SIGTERM,
        // then SIGKILL after 10 s. Ends by itself as soon as the server is gone.
        private const string WatchdogScript =
            "exec </dev/null >/dev/null 2>&1; " +
            "while kill -0 \"$1\" 2>/dev/null && kill -0 \"$2\" 2>/dev/null; do sleep 1; done; " +
            "if kill -0 \"$2\" 2>/dev/null; then kill -TERM \"$2\"; i=0; while [ $i -lt 10 ] && kill -0 \"$2\" 2>/dev/null; do sleep 1; i=$((i+1)); done; kill -KILL \"$2\" 2>/dev/null; fi";

        private readonly Process _process;
        private readonly Process? _watchdog;

        public ServerProcess(string fileName, IEnumerable<string> arguments, string stdoutPath, string stderrPath)
        {
            StdoutPath = stdoutPath;
            StderrPath = stderrPath;
            string? setsid = FindSetsid();
            var psi = Detached("/bin/sh");
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add((setsid != null ? "exec \"$PFA_SERVER_SETSID\" \"$0\" \"$@\"" : "exec \"$0\" \"$@\"") + " <&- >\"$PFA_SERVER_STDOUT\" 2>\"$PFA_SERVER_STDERR\"");
            psi.ArgumentList.Add(fileName);
            foreach (string argument in arguments)
            {
                psi.ArgumentList.Add(argument);
            }

            psi.Environment["PFA_SERVER_STDOUT"] = stdoutPath;
            psi.Environment["PFA_SERVER_STDERR"] = stderrPath;
            if (setsid != null)
            {
                psi.Environment["PFA_SERVER_SETSID"] = setsid;
            }

            _process = StartDetached(psi) ?? throw new InvalidOperationException(fileName + " did not start.");
            _watchdog = StartWatchdog(setsid, Environment.ProcessId, _process.Id);
        }

        /// <summary>The watchdog's PID (0 when none could start).</summary>
        public int WatchdogId => _watchdog?.Id ?? 0;

        public int Id => _process.Id;

        public bool HasExited => _process.HasExited;

        public int ExitCode => _process.ExitCode;

        public string StdoutPath { get; }

        public string StderrPath { get; }

        /// <summary>What the program has written to standard error so far.</summary>
        public string ReadStderr()
        {
            try
            {
                using var stream = new FileStream(StderrPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var reader = new StreamReader(stream);
                return reader.ReadToEnd();
            }
            catch (IOException)
            {
                return string.Empty;
            }
        }

        /// <summary>SIGTERM, then SIGKILL (the whole tree) when it has not exited within the grace period.</summary>
        public void Stop(TimeSpan grace)
        {
            try
            {
                if (_process.HasExited)
                {
                    return;
                }

                if (kill(_process.Id, SigTerm) != 0 || !_process.WaitForExit((int)grace.TotalMilliseconds))
                {
                    _process.Kill(entireProcessTree: true);
                    _process.WaitForExit(5000);
                }
            }
            catch (InvalidOperationException)
            {
            }
        }

        public void Dispose()
        {
            Stop(TimeSpan.FromSeconds(10));
            _process.Dispose();
            if (_watchdog != null)
            {
                // It ends by itself once the server is gone; this only saves its last second.
                try
                {
                    if (!_watchdog.HasExited)
                    {
                        _ = kill(_watchdog.Id, SigKill);
                        _watchdog.WaitForExit(5000);
                    }
                }
                catch (InvalidOperationException)
                {
                }

                _watchdog.Dispose();
            }
        }

        private static Process? StartWatchdog(string? setsid, int parentPid, int serverPid)
        {
            var psi = Detached(setsid ?? "/bin/sh");
            if (setsid != null)
            {
                psi.ArgumentList.Add("/bin/sh");
            }

            foreach (string argument in new[] { "-c", WatchdogScript, "pfa-server-watchdog", parentPid.ToString(System.Globalization.CultureInfo.InvariantCulture), serverPid.ToString(System.Globalization.CultureInfo.InvariantCulture) })
            {
                psi.ArgumentList.Add(argument);
            }

            return StartDetached(psi);
        }

        /// <summary>
        /// All three standard streams redirected (and closed at once below): a child that shares the terminal makes .NET
        /// switch the terminal's mode for as long as it runs, which froze PowerShell's progress display.
        /// </summary>
        private static ProcessStartInfo Detached(string fileName) => new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };

        private static Process? StartDetached(ProcessStartInfo psi)
        {
            Process? process = Process.Start(psi);
            if (process != null)
            {
                process.StandardInput.Close();
                _ = process.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
                _ = process.StandardError.BaseStream.CopyToAsync(Stream.Null);
            }

            return process;
        }

        /// <summary>util-linux's setsid; null where there is none (the server then shares our session, as before).</summary>
        private static string? FindSetsid()
        {
            foreach (string candidate in new[] { "/usr/bin/setsid", "/bin/setsid" })
            {
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }

            return null;
        }

        /// <summary>A TCP port on 127.0.0.1 that was free a moment ago.</summary>
        public static int FreeLoopbackPort()
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            try
            {
                return ((IPEndPoint)listener.LocalEndpoint).Port;
            }
            finally
            {
                listener.Stop();
            }
        }

        /// <summary>Waits until 127.0.0.1:port accepts a connection; false when the process exits or the time runs out.</summary>
        public bool WaitForPort(int port, TimeSpan timeout)
        {
            DateTime deadline = DateTime.UtcNow + timeout;
            while (!_process.HasExited && DateTime.UtcNow < deadline)
            {
                using (var client = new TcpClient())
                {
                    try
                    {
                        if (client.ConnectAsync(IPAddress.Loopback, port).Wait(500) && client.Connected)
                        {
                            return true;
                        }
                    }
                    catch (AggregateException)
                    {
                    }
                    catch (SocketException)
                    {
                    }
                }

                Thread.Sleep(20);
            }

            return false;
        }

        /// <summary>Runs a short tool to its end; throws with its standard error when it fails.</summary>
        public static string Run(string fileName, params string[] arguments)
        {
            var psi = new ProcessStartInfo(fileName) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
            foreach (string argument in arguments)
            {
                psi.ArgumentList.Add(argument);
            }

            psi.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
            using Process process = Process.Start(psi) ?? throw new InvalidOperationException(fileName + " did not start.");
            process.StandardInput.Close();
            var stderr = process.StandardError.ReadToEndAsync();
            string stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"{fileName} {string.Join(" ", arguments)} failed ({process.ExitCode}): {stderr.Result}");
            }

            return stdout;
        }

        [DllImport("libc", SetLastError = true)]
        private static extern int kill(int pid, int sig);
    }
}
