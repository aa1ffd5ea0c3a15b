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
    /// </summary>
    public sealed class ServerProcess : IDisposable
    {
        private const int SigTerm = 15;
        private readonly Process _process;

        public ServerProcess(string fileName, IEnumerable<string> arguments, string stdoutPath, string stderrPath)
        {
            StdoutPath = stdoutPath;
            StderrPath = stderrPath;
            var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add("exec \"$0\" \"$@\" <&- >\"$PFA_SERVER_STDOUT\" 2>\"$PFA_SERVER_STDERR\"");
            psi.ArgumentList.Add(fileName);
            foreach (string argument in arguments)
            {
                psi.ArgumentList.Add(argument);
            }

            psi.Environment["PFA_SERVER_STDOUT"] = stdoutPath;
            psi.Environment["PFA_SERVER_STDERR"] = stderrPath;
            _process = Process.Start(psi) ?? throw new InvalidOperationException(fileName + " did not start.");
        }

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
