using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Renci.SshNet;
using PfaAzureDevOps.Core.SshTransport;
using PfaAzureDevOps.Core.Errors;

namespace PfaAzureDevOps.Core.Git
{
    /// <summary>
    /// Proves that a key can read a repository: connects with SSH.NET offering only that key, runs
    /// <c>git-upload-pack</c> and reads the ref advertisement (Azure DevOps accepts any key in the SSH handshake and
    /// checks it only when the git command runs, so connecting alone proves nothing).
    /// </summary>
    public static class GitSshAccessChecker
    {
        public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

        /// <summary>
        /// Checks read access. Failures (unauthorized key, host key, unreachable, timeout, missing repository) come
        /// back as a result with <see cref="GitAccessResult.ErrorId"/>; invalid arguments throw PfaException; cancellation
        /// throws OperationCanceledException.
        /// </summary>
        /// <summary>The longest -Timeout accepted: one hour (a wait longer than that is a mistake, and timers cannot take TimeSpan.MaxValue).</summary>
        public static readonly TimeSpan MaxTimeout = TimeSpan.FromHours(1);

        public static async Task<GitAccessResult> CheckAsync(GitSshUrl url, string privateKeyText, HostKeyPolicy policy, TimeSpan timeout, CancellationToken cancellationToken = default)
        {
            if (url == null)
            {
                throw new ArgumentNullException(nameof(url));
            }

            if (policy == null)
            {
                throw new ArgumentNullException(nameof(policy));
            }

            if (timeout <= TimeSpan.Zero || timeout > MaxTimeout)
            {
                throw new PfaException(ErrorIds.TimeoutInvalid, PfaErrorKind.InvalidArgument, $"The timeout must be positive and at most {MaxTimeout.TotalMinutes:0} minutes (it was {(timeout == TimeSpan.MaxValue ? "TimeSpan.MaxValue" : timeout.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture) + " seconds")}). Pass a number of seconds such as 30.", timeout);
            }

            cancellationToken.ThrowIfCancellationRequested();
            Stopwatch stopwatch = Stopwatch.StartNew();
            using (SshClientKey key = SshClientKey.Load(privateKeyText))
            using (var connector = new SshConnector(url.ToEndpoint(), key, policy, timeout))
            {
                try
                {
                    Advertisement advertisement = await connector.RunAsync(() => ReadAdvertisement(connector, url), timeout, cancellationToken).ConfigureAwait(false);
                    stopwatch.Stop();
                    string message = $"Read access to {url} confirmed: {advertisement.Refs.Count} ref(s)" + (advertisement.DefaultBranch != null ? ", default branch '" + advertisement.DefaultBranch + "'." : ".");
                    return new GitAccessResult(url, true, advertisement.Refs, advertisement.DefaultBranch, connector.Verdict?.ActualFingerprint, stopwatch.Elapsed, null, message);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    throw;
                }
                catch (Exception ex)
                {
                    stopwatch.Stop();
                    PfaException error = connector.Map(ex, timeout);
                    return new GitAccessResult(url, false, Array.Empty<GitRef>(), null, connector.Verdict?.ActualFingerprint, stopwatch.Elapsed, error, error.Message);
                }
            }
        }

        /// <summary>Quotes a path for the remote shell the way git does (single quotes; ' and ! escaped).</summary>
        internal static string QuoteForRemoteShell(string path)
        {
            var builder = new StringBuilder("'");
            foreach (char c in path)
            {
                if (c == '\'' || c == '!')
                {
                    builder.Append("'\\").Append(c).Append('\'');
                }
                else
                {
                    builder.Append(c);
                }
            }

            return builder.Append('\'').ToString();
        }

        private static Advertisement ReadAdvertisement(SshConnector connector, GitSshUrl url)
        {
            connector.Client.Connect();
            return RunUploadPack(connector.Client, url);
        }

        /// <summary>Runs git-upload-pack for the URL's path on a connected client and judges the run (see <see cref="Converse"/>).</summary>
        internal static Advertisement RunUploadPack(SshClient client, GitSshUrl url)
        {
            using (SshCommand command = client.CreateCommand("git-upload-pack " + QuoteForRemoteShell(url.Path)))
            {
                return Converse(new SshUploadPackChannel(command, command.BeginExecute()), url);
            }
        }

        /// <summary>
        /// Reads the ref advertisement, ends the negotiation (a flush-pkt: no wants, then EOF), waits for the command to
        /// end and judges the run. A complete advertisement (up to its flush-pkt, no ERR line) proves read access, unless
        /// stderr says the key was refused or the server reports a non-zero exit status.
        /// </summary>
        internal static Advertisement Converse(IUploadPackChannel channel, GitSshUrl url)
        {
            var lines = new List<string>();
            bool flushed = ReadPktLines(channel.Output, lines, out string? errLine);
            if (flushed)
            {
                try
                {
                    channel.SendFlushAndEof();
                }
                catch (InvalidOperationException ex) when (SshConnector.IsChannelClosedBySshNet(ex))
                {
                    // The server ended the command and closed the channel while we said goodbye. git-upload-pack exits on
                    // our flush-pkt and sshd then closes the channel; SSH.NET's input stream checks "channel open" on
                    // Dispose and SendEof checks it again, so a close that lands between the two throws "The channel is
                    // closed." (rare: the close must arrive within that window, e.g. while SendEof is first compiled or
                    // the thread is preempted). A server may also close right after the advertisement, before we write
                    // (CreateInputStream: "can be used only during execution"). Nothing is lost: the advertisement is
                    // complete, and the exit status and stderr, which arrive before the close, decide below.
                }
            }

            channel.WaitForEnd();
            string stderr = channel.Error ?? string.Empty;
            int? exit = channel.ExitStatus;
            if (errLine != null || !flushed || (exit.HasValue && exit.Value != 0) || ContainsAuthFailure(stderr))
            {
                throw UploadPackFailed(url, errLine, stderr, exit, flushed);
            }

            return Advertisement.Parse(lines);
        }

        private static bool ContainsAuthFailure(string stderr) =>
            stderr.IndexOf("Public key authentication failed", StringComparison.OrdinalIgnoreCase) >= 0;

        private static PfaException UploadPackFailed(GitSshUrl url, string? errLine, string stderr, int? exit, bool flushed)
        {
            string detail = Sanitize(errLine != null ? errLine + " " + stderr : stderr);
            if (ContainsAuthFailure(detail))
            {
                return new PfaException(ErrorIds.SshKeyNotAuthorized,
                    PfaErrorKind.Authentication,
                    $"{url.Host} refused the SSH key ({detail}). The key is not registered for this user, has expired, or SSH keys are disabled for the organization: add the public key with Add-AzDevOpsSshKey, then try again.",
                    url.ToString());
            }

            // A complete ref advertisement proves the server is a git server and the repository exists and is readable:
            // what it says afterwards is no "not found".
            string lower = detail.ToLowerInvariant();
            if (!flushed && (lower.Contains("does not appear to be a git repository") || lower.Contains("tf401019") || lower.Contains("does not exist") || lower.Contains("not found")
                || lower.Contains("no such file or directory") || lower.Contains("repository not found") || lower.Contains("could not read from remote repository")))
            {
                return new PfaException(ErrorIds.GitRepositoryNotFound,
                    PfaErrorKind.NotFound,
                    $"The repository '{url.Path}' was not found on {url.Host}, or this key's user may not read it ({detail}). Check the organization, project and repository names in the URL (copy the SSH clone URL from the repository page) and the user's permissions.",
                    url.ToString());
            }

            string status = exit.HasValue ? "exit status " + exit.Value : "no exit status";
            string what = flushed
                ? $"git-upload-pack on {url.Host} failed after its ref advertisement ({status})"
                : $"git-upload-pack on {url.Host} did not return a ref advertisement ({status}, output ended early)";
            string said = detail.Length == 0 ? "." : ": " + detail + (detail.EndsWith(".", StringComparison.Ordinal) ? string.Empty : ".");
            return new PfaException(ErrorIds.GitUploadPackFailed,
                PfaErrorKind.ProtocolError,
                flushed
                    ? $"{what}{said} The server listed the repository's refs, then reported this error: act on its message, or try again."
                    : $"{what}{said} Check that the server is a git server and that the path '{url.Path}' is a repository.",
                url.ToString());
        }

        private static string Sanitize(string text)
        {
            var builder = new StringBuilder();
            foreach (char c in text)
            {
                builder.Append(char.IsControl(c) ? ' ' : c);
            }

            string result = builder.ToString().Trim();
            while (result.Contains("  "))
            {
                result = result.Replace("  ", " ");
            }

            return result.Length > 500 ? result.Substring(0, 500) + "..." : result;
        }

        /// <summary>Reads pkt-lines until a flush-pkt (true) or end of stream (false). An "ERR " line stops reading.</summary>
        internal static bool ReadPktLines(Stream stream, List<string> lines, out string? errLine)
        {
            errLine = null;
            byte[] header = new byte[4];
            while (true)
            {
                if (!ReadExactly(stream, header, 4))
                {
                    return false;
                }

                int length = ParseHex(header);
                if (length < 0)
                {
                    errLine = "unexpected data instead of a pkt-line: " + Encoding.ASCII.GetString(header);
                    return false;
                }

                if (length == 0)
                {
                    return true;
                }

                if (length < 4)
                {
                    continue; // delim/response-end (protocol v2); not expected in v0.
                }

                byte[] payload = new byte[length - 4];
                if (!ReadExactly(stream, payload, payload.Length))
                {
                    return false;
                }

                string line = Encoding.UTF8.GetString(payload);
                if (line.StartsWith("ERR ", StringComparison.Ordinal))
                {
                    errLine = line.TrimEnd('\n');
                    return false;
                }

                lines.Add(line);
            }
        }

        private static bool ReadExactly(Stream stream, byte[] buffer, int count)
        {
            int offset = 0;
            while (offset < count)
            {
                int read = stream.Read(buffer, offset, count - offset);
                if (read <= 0)
                {
                    return false;
                }

                offset += read;
            }

            return true;
        }

        private static int ParseHex(byte[] header)
        {
            int value = 0;
            foreach (byte b in header)
            {
                int digit = b >= '0' && b <= '9' ? b - '0' : b >= 'a' && b <= 'f' ? b - 'a' + 10 : b >= 'A' && b <= 'F' ? b - 'A' + 10 : -1;
                if (digit < 0)
                {
                    return -1;
                }

                value = (value << 4) | digit;
            }

            return value;
        }

        /// <summary>One git-upload-pack run on an SSH channel, as <see cref="Converse"/> sees it.</summary>
        internal interface IUploadPackChannel
        {
            /// <summary>The command's standard output.</summary>
            Stream Output { get; }

            /// <summary>The command's standard error, complete once <see cref="WaitForEnd"/> returned.</summary>
            string Error { get; }

            /// <summary>The exit status the server reported, if it reported one.</summary>
            int? ExitStatus { get; }

            /// <summary>Writes the flush-pkt "0000" to the command's input, then EOF.</summary>
            void SendFlushAndEof();

            /// <summary>Waits until the command ended (the server closed the channel).</summary>
            void WaitForEnd();
        }

        private sealed class SshUploadPackChannel : IUploadPackChannel
        {
            private static readonly byte[] Flush = Encoding.ASCII.GetBytes("0000");
            private readonly SshCommand _command;
            private readonly IAsyncResult _execution;

            public SshUploadPackChannel(SshCommand command, IAsyncResult execution)
            {
                _command = command;
                _execution = execution;
            }

            public Stream Output => _command.OutputStream;

            public string Error => _command.Error;

            public int? ExitStatus => _command.ExitStatus;

            public void SendFlushAndEof()
            {
                using (Stream input = _command.CreateInputStream())
                {
                    input.Write(Flush, 0, Flush.Length);
                }
            }

            public void WaitForEnd() => _command.EndExecute(_execution);
        }

        internal sealed class Advertisement
        {
            private Advertisement(List<GitRef> refs, string? defaultBranch, string capabilities)
            {
                Refs = refs;
                DefaultBranch = defaultBranch;
                Capabilities = capabilities;
            }

            public List<GitRef> Refs { get; }

            public string? DefaultBranch { get; }

            public string Capabilities { get; }

            public static Advertisement Parse(List<string> lines)
            {
                var refs = new List<GitRef>();
                string capabilities = string.Empty;
                string? defaultBranch = null;
                for (int i = 0; i < lines.Count; i++)
                {
                    string line = lines[i].TrimEnd('\n');
                    if (i == 0)
                    {
                        int nul = line.IndexOf('\0');
                        if (nul >= 0)
                        {
                            capabilities = line.Substring(nul + 1);
                            line = line.Substring(0, nul);
                        }
                    }

                    int space = line.IndexOf(' ');
                    if (space <= 0)
                    {
                        continue;
                    }

                    string id = line.Substring(0, space);
                    string name = line.Substring(space + 1);
                    if (name == "capabilities^{}")
                    {
                        continue; // empty repository
                    }

                    refs.Add(new GitRef(name, id));
                }

                foreach (string capability in capabilities.Split(' '))
                {
                    const string Prefix = "symref=HEAD:";
                    if (capability.StartsWith(Prefix, StringComparison.Ordinal))
                    {
                        string target = capability.Substring(Prefix.Length);
                        defaultBranch = target.StartsWith("refs/heads/", StringComparison.Ordinal) ? target.Substring("refs/heads/".Length) : target;
                    }
                }

                return new Advertisement(refs, defaultBranch, capabilities);
            }
        }
    }
}
