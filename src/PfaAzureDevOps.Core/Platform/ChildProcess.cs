using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace PfaAzureDevOps.Core.Platform
{
    /// <summary>
    /// The one way the engine starts programs (git, the git watchdog, the browser). Every child gets an empty, closed
    /// standard input (inheriting the console's would let it take the next line the user types, or hang waiting for
    /// one); arguments reach it exactly (ArgumentList, or on .NET Framework one command line quoted by
    /// <see cref="WindowsCommandLine"/>); standard output and standard error are read at the same time, so a child that
    /// floods either never blocks; cancellation (Ctrl+C) ends the child and everything it started.
    /// </summary>
    internal static class ChildProcess
    {
        /// <summary>
        /// Runs <paramref name="executable"/> to its end. Standard error is split into lines (at '\r' or '\n': git redraws
        /// progress with '\r') and each non-empty one goes to <paramref name="onErrorLine"/> (with true when it ended with '\n'
        /// or the stream ended). With <paramref name="newSession"/> (Unix, where setsid exists) the child runs in a session and
        /// process group of its own, whose id <paramref name="onStarted"/> receives (the child's pid), so the whole group can
        /// be ended even after the child's own children were orphaned. Throws Win32Exception when it cannot start, and
        /// OperationCanceledException (after ending the tree) when <paramref name="cancellationToken"/> is cancelled.
        /// </summary>
        public static async Task<ChildProcessResult> RunAsync(
            string executable,
            IList<string> arguments,
            IDictionary<string, string?>? environment,
            Action<string, bool>? onErrorLine,
            CancellationToken cancellationToken,
            bool newSession = false,
            Action<int>? onStarted = null)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string? setsid = newSession ? FindSetsid() : null;
            if (setsid != null)
            {
                var wrapped = new List<string> { executable };
                wrapped.AddRange(arguments);
                arguments = wrapped;
                executable = setsid;
            }

            ProcessStartInfo startInfo = CreateStartInfo(executable, arguments, environment, redirectOutput: true);
            using (var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true })
            {
                var exited = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                process.Exited += (sender, e) => exited.TrySetResult(true);
                process.Start();
                bool ownGroup = setsid != null;
                onStarted?.Invoke(process.Id);
                CloseInput(process);
                Task<string> output = process.StandardOutput.ReadToEndAsync();
                Task error = PumpLinesAsync(process.StandardError, onErrorLine);
                using (cancellationToken.Register(() => KillTree(process, ownGroup)))
                {
                    await exited.Task.ConfigureAwait(false);
                    string text = await output.ConfigureAwait(false);
                    await error.ConfigureAwait(false);
                    process.WaitForExit();
                    cancellationToken.ThrowIfCancellationRequested();
                    return new ChildProcessResult(process.ExitCode, text);
                }
            }
        }

        /// <summary>
        /// Starts a program that runs on by itself (the browser, the watchdog) and returns it, or null when it could not
        /// start. With <paramref name="discardOutput"/> its output is read and dropped (never shown, never blocking it);
        /// without, it writes to this process's console. With <paramref name="readErrors"/> (and <paramref name="discardOutput"/>)
        /// standard error is left to the caller to read from <see cref="Process.StandardError"/>.
        /// </summary>
        public static Process? TryStart(string executable, IList<string> arguments, bool discardOutput, bool readErrors = false)
        {
            ProcessStartInfo startInfo = CreateStartInfo(executable, arguments, null, discardOutput);
            Process? process;
            try
            {
                process = Process.Start(startInfo);
            }
            catch (Exception ex) when (ex is Win32Exception || ex is InvalidOperationException || ex is FileNotFoundException)
            {
                return null;
            }

            if (process == null)
            {
                return null;
            }

            CloseInput(process);
            if (discardOutput)
            {
                _ = DrainAsync(process.StandardOutput.BaseStream);
                if (!readErrors)
                {
                    _ = DrainAsync(process.StandardError.BaseStream);
                }
            }

            return process;
        }

        /// <summary>
        /// Ends <paramref name="process"/> and what it started: its process group when it leads one of its own (Unix), then
        /// its tree (.NET's walk of the children; taskkill /T on .NET Framework). Never throws.
        /// </summary>
        public static void KillTree(Process process, bool processGroup)
        {
            try
            {
#if NET
                if (processGroup && !OperatingSystem.IsWindows())
                {
                    // The whole group, including children already orphaned by their parent's exit.
                    _ = UnixNative.kill(-process.Id, UnixNative.SIGKILL);
                }

                if (process.HasExited)
                {
                    return;
                }

                process.Kill(entireProcessTree: true);
#else
                if (process.HasExited)
                {
                    return;
                }

                if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
                {
                    using (Process? taskkill = Process.Start(new ProcessStartInfo("taskkill", "/T /F /PID " + process.Id) { UseShellExecute = false, CreateNoWindow = true }))
                    {
                        taskkill?.WaitForExit(5000);
                    }
                }

                if (!process.HasExited)
                {
                    process.Kill();
                }
#endif
            }
            catch (Exception ex) when (ex is InvalidOperationException || ex is Win32Exception || ex is NotSupportedException)
            {
                // Already gone, or not ours to end.
            }
        }

        /// <summary>The setsid executable (Linux util-linux), or null where there is none (Windows, macOS).</summary>
        public static string? FindSetsid()
        {
#if !NET
            return null;
#else
            if (OperatingSystem.IsWindows())
            {
                return null;
            }

            foreach (string candidate in new[] { "/usr/bin/setsid", "/bin/setsid" })
            {
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }

            return null;
#endif
        }

        private static ProcessStartInfo CreateStartInfo(string executable, IList<string> arguments, IDictionary<string, string?>? environment, bool redirectOutput)
        {
            var startInfo = new ProcessStartInfo(executable)
            {
                UseShellExecute = false,
                RedirectStandardInput = true,
                RedirectStandardOutput = redirectOutput,
                RedirectStandardError = redirectOutput,
                CreateNoWindow = true,
            };
            if (redirectOutput)
            {
                startInfo.StandardOutputEncoding = Encoding.UTF8;
                startInfo.StandardErrorEncoding = Encoding.UTF8;
            }

#if NET
            foreach (string argument in arguments)
            {
                startInfo.ArgumentList.Add(argument);
            }
#else
            startInfo.Arguments = WindowsCommandLine.Join(arguments);
#endif
            if (environment != null)
            {
                foreach (KeyValuePair<string, string?> pair in environment)
                {
                    if (pair.Value == null)
                    {
                        startInfo.Environment.Remove(pair.Key);
                    }
                    else
                    {
                        startInfo.Environment[pair.Key] = pair.Value;
                    }
                }
            }

            return startInfo;
        }

        private static void CloseInput(Process process)
        {
            try
            {
                process.StandardInput.Close();
            }
            catch (Exception ex) when (ex is IOException || ex is InvalidOperationException)
            {
                // Already gone: nothing to keep from it.
            }
        }

        private static async Task PumpLinesAsync(StreamReader reader, Action<string, bool>? onLine)
        {
            char[] buffer = new char[4096];
            var line = new StringBuilder();
            int read;
            while ((read = await reader.ReadAsync(buffer, 0, buffer.Length).ConfigureAwait(false)) > 0)
            {
                for (int i = 0; i < read; i++)
                {
                    char c = buffer[i];
                    if (c == '\r' || c == '\n')
                    {
                        Emit(line, c == '\n', onLine);
                    }
                    else
                    {
                        line.Append(c);
                    }
                }
            }

            Emit(line, true, onLine);
        }

        private static void Emit(StringBuilder line, bool final, Action<string, bool>? onLine)
        {
            if (line.Length == 0)
            {
                return;
            }

            string text = line.ToString();
            line.Clear();
            onLine?.Invoke(text, final);
        }

        private static async Task DrainAsync(Stream stream)
        {
            try
            {
                await stream.CopyToAsync(Stream.Null).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException || ex is ObjectDisposedException || ex is InvalidOperationException)
            {
                // The process object was disposed, or the pipe broke: nothing more to drop.
            }
        }

#if NET
        private static class UnixNative
        {
            public const int SIGKILL = 9;

            [DllImport("libc", SetLastError = true)]
            public static extern int kill(int pid, int signal);
        }
#endif
    }
}
