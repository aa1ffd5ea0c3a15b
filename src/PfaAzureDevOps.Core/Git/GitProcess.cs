using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using PfaAzureDevOps.Core.Platform;
using PfaAzureDevOps.Core.Errors;

namespace PfaAzureDevOps.Core.Git
{
    /// <summary>
    /// Native git as a child process (through <see cref="ChildProcess"/>): found on PATH, its standard error turned into
    /// progress lines and a bounded, scrubbed error message, and OpenSSH's host key refusal mapped to SshHostKeyMismatch.
    /// </summary>
    internal static class GitProcess
    {
        internal static string FindGit()
        {
            bool windows = RuntimeInformation.IsOSPlatform(OSPlatform.Windows);
            string name = windows ? "git.exe" : "git";
            string? pathVariable = Environment.GetEnvironmentVariable("PATH");
            if (pathVariable != null)
            {
                foreach (string directory in pathVariable.Split(System.IO.Path.PathSeparator))
                {
                    if (directory.Trim().Length == 0)
                    {
                        continue;
                    }

                    try
                    {
                        string candidate = System.IO.Path.Combine(directory.Trim().Trim('"'), name);
                        if (File.Exists(candidate))
                        {
                            return candidate;
                        }
                    }
                    catch (ArgumentException)
                    {
                    }
                }
            }

            throw NotInstalled(null);
        }

        private static PfaException NotInstalled(Exception? inner) =>
            new PfaException(ErrorIds.GitNotInstalled, PfaErrorKind.NotInstalled, "The 'git' executable was not found on PATH. Install git (on Debian/Ubuntu: apt-get install git openssh-client; on Windows: Git for Windows) and make sure 'git' and 'ssh' are on PATH.", "git", inner);

        /// <param name="ownGroupMarker">
        /// Unix: start git in a session (and process group) of its own, and write its group id to this file, so the
        /// watchdog can end git and the ssh it started if this process dies.
        /// </param>
        internal static async Task<string> RunGitAsync(IList<string> arguments, IDictionary<string, string?>? environment, CancellationToken cancellationToken, IProgress<string>? progress, string? scrub, bool allowFailure = false, string? git = null, string? ownGroupMarker = null)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string executable = git ?? FindGit();
            var stderrTail = new StringBuilder();
            ChildProcessResult result;
            try
            {
                result = await ChildProcess.RunAsync(
                    executable,
                    arguments,
                    environment,
                    (line, final) => Flush(line, final, stderrTail, progress, scrub),
                    cancellationToken,
                    newSession: ownGroupMarker != null,
                    // setsid execs git in place (its pid is the new group's id): the watchdog kills that group.
                    onStarted: ownGroupMarker == null ? null : pid => GitWatchdog.WriteGroup(ownGroupMarker, pid)).ConfigureAwait(false);
            }
            catch (Win32Exception ex)
            {
                throw NotInstalled(ex);
            }

            if (result.ExitCode != 0 && !allowFailure)
            {
                string message = stderrTail.ToString().Trim();
                string command = arguments.Count > 0 && arguments[0] == "-C" && arguments.Count > 2 ? arguments[2] : arguments[0];
                PfaException? hostKey = HostKeyChanged(message, command);
                if (hostKey != null)
                {
                    throw hostKey;
                }

                throw new PfaException(ErrorIds.GitCommandFailed,
                    PfaErrorKind.InvalidOperation,
                    $"'git {command}' failed with exit code {result.ExitCode}: {(message.Length > 0 ? message : "(no message)")}",
                    "git " + command);
            }

            return result.ExitCode == 0 ? result.StandardOutput : string.Empty;
        }

        /// <summary>
        /// OpenSSH refused the host key git's ssh saw (it changed after the module's own check): the module's
        /// SshHostKeyMismatch, without OpenSSH's advice to edit a temporary known_hosts file.
        /// </summary>
        internal static PfaException? HostKeyChanged(string stderr, string command)
        {
            if (stderr.IndexOf("REMOTE HOST IDENTIFICATION HAS CHANGED", StringComparison.OrdinalIgnoreCase) < 0
                && stderr.IndexOf("Host key verification failed", StringComparison.OrdinalIgnoreCase) < 0)
            {
                return null;
            }

            return new PfaException(ErrorIds.SshHostKeyMismatch,
                PfaErrorKind.SecurityError,
                $"'git {command}' stopped: the server's SSH host key changed between the module's check and git's connection, so git's ssh refused it. This could be an attack (someone intercepting the connection) or a host key being replaced right now. Nothing was fetched. Run the command again; if it fails the same way, confirm the server's host key fingerprint with its owner before changing -HostKeyFingerprint or the known_hosts file.",
                "git " + command)
            {
                RecommendedAction = "Run the command again; do not change the pinned host key until the server's owner confirms the new fingerprint.",
            };
        }

        /// <summary>One line of git's standard error: to the progress, and (complete lines, bounded) to the error message.</summary>
        private static void Flush(string line, bool final, StringBuilder tail, IProgress<string>? progress, string? scrub)
        {
            string text = Scrub(line, scrub);
            progress?.Report(text);

            // Keep complete lines (not every progress redraw) for the error message, bounded.
            if (final || !(text.Contains("%") && text.Contains("(")))
            {
                tail.AppendLine(text);
                if (tail.Length > 4000)
                {
                    tail.Remove(0, tail.Length - 4000);
                }
            }
        }

        private static string Scrub(string text, string? folder)
        {
            if (folder == null)
            {
                return text;
            }

            return text.Replace(folder, "<temporary folder>").Replace(ToSshPath(folder), "<temporary folder>");
        }

        /// <summary>OpenSSH (and Git for Windows' sh) take forward slashes on Windows too.</summary>
        internal static string ToSshPath(string path) =>
            RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? path.Replace('\\', '/') : path;
    }
}
