// Over 450 lines: not yet split by responsibility. The split is the structure step (issue 12); see
// docs/ARCHITECTURE.md, "Known structural debt", for what goes where.
using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using PfaAzureDevOps.Core.Errors;
using PfaAzureDevOps.Core.Platform;

namespace PfaAzureDevOps.Core.Git
{
    /// <summary>What a clone or fetch produced.</summary>
    public sealed class GitCommandResult
    {
        internal GitCommandResult(string path, string? branch, string commitId, TimeSpan elapsed)
        {
            Path = path;
            Branch = branch;
            CommitId = commitId;
            Elapsed = elapsed;
        }

        /// <summary>The repository's working tree (full path).</summary>
        public string Path { get; }

        /// <summary>The branch checked out (clone) or fetched (fetch); null for a detached HEAD.</summary>
        public string? Branch { get; }

        /// <summary>Clone: HEAD's commit. Fetch: the fetched branch's tip (refs/remotes/origin/{Branch}).</summary>
        public string CommitId { get; }

        public TimeSpan Elapsed { get; }
    }

    /// <summary>
    /// Runs the native <c>git</c> executable over OpenSSH with one key and a verified host key, for pipelines.
    /// The host key is first fetched and verified with SSH.NET against the policy's pin, then written to a
    /// temporary known_hosts; the key goes to a temporary owner-only file; both are removed afterwards.
    /// </summary>
    public static class GitCommandRunner
    {
        private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(30);

        /// <summary>Clones <paramref name="url"/> into <paramref name="destination"/> (which must not exist or be empty).</summary>
        public static Task<GitCommandResult> CloneAsync(GitSshUrl url, string destination, string privateKeyText, HostKeyPolicy policy, string? branch = null, int? depth = null, CancellationToken cancellationToken = default, IProgress<string>? progress = null) =>
            CloneCoreAsync(url, destination, privateKeyText, policy, branch, depth, cancellationToken, progress, null);

        /// <summary>
        /// Fetches <paramref name="branch"/> (default: the repository's current branch) from <paramref name="url"/> into
        /// <c>refs/remotes/origin/{branch}</c> of the repository at <paramref name="repositoryPath"/>. The working tree is not changed.
        /// </summary>
        public static Task<GitCommandResult> FetchAsync(string repositoryPath, GitSshUrl url, string privateKeyText, HostKeyPolicy policy, string? branch = null, int? depth = null, CancellationToken cancellationToken = default, IProgress<string>? progress = null) =>
            FetchCoreAsync(repositoryPath, url, privateKeyText, policy, branch, depth, cancellationToken, progress, null);

        internal static async Task<GitCommandResult> CloneCoreAsync(GitSshUrl url, string destination, string privateKeyText, HostKeyPolicy policy, string? branch, int? depth, CancellationToken cancellationToken, IProgress<string>? progress, string? tempRoot)
        {
            ValidateCommon(url, policy, branch, depth);
            if (destination == null || destination.Trim().Length == 0)
            {
                throw new PfaException(ErrorIds.GitDestinationInvalid, PfaErrorKind.InvalidArgument, "No destination folder was given for the clone. Pass a path that does not exist yet or is an empty folder.", destination);
            }

            string target = System.IO.Path.GetFullPath(destination);
            if (File.Exists(target) || (Directory.Exists(target) && Directory.GetFileSystemEntries(target).Length > 0))
            {
                throw new PfaException(ErrorIds.GitDestinationNotEmpty, PfaErrorKind.AlreadyExists, $"The clone destination '{target}' already exists and is not an empty folder. Pass a new path, or use a fetch to update an existing clone.", target);
            }

            bool existed = Directory.Exists(target);
            Stopwatch stopwatch = Stopwatch.StartNew();
            var arguments = new List<string> { "clone" };
            if (progress != null)
            {
                arguments.Add("--progress");
            }

            if (branch != null)
            {
                arguments.Add("--branch=" + branch);
            }

            if (depth != null)
            {
                arguments.Add("--depth=" + depth.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            arguments.Add("--");
            arguments.Add(url.ToString());
            arguments.Add(target);
            bool succeeded = false;
            try
            {
                await RunWithSshAsync(url, privateKeyText, policy, arguments, null, cancellationToken, progress, tempRoot).ConfigureAwait(false);
                string commit = (await RunGitAsync(new[] { "-C", target, "rev-parse", "HEAD" }, null, cancellationToken, null, null).ConfigureAwait(false)).Trim();
                string head = (await RunGitAsync(new[] { "-C", target, "symbolic-ref", "--short", "-q", "HEAD" }, null, cancellationToken, null, null, allowFailure: true).ConfigureAwait(false)).Trim();
                succeeded = true;
                return new GitCommandResult(target, head.Length > 0 ? head : null, commit, stopwatch.Elapsed);
            }
            finally
            {
                if (!succeeded)
                {
                    RemovePartialClone(target, existed);
                }
            }
        }

        internal static async Task<GitCommandResult> FetchCoreAsync(string repositoryPath, GitSshUrl url, string privateKeyText, HostKeyPolicy policy, string? branch, int? depth, CancellationToken cancellationToken, IProgress<string>? progress, string? tempRoot)
        {
            ValidateCommon(url, policy, branch, depth);
            if (repositoryPath == null || repositoryPath.Trim().Length == 0 || !Directory.Exists(repositoryPath))
            {
                throw new PfaException(ErrorIds.GitRepositoryPathInvalid, PfaErrorKind.InvalidArgument, $"'{repositoryPath}' is not an existing folder. Pass the path of a git clone.", repositoryPath);
            }

            string path = System.IO.Path.GetFullPath(repositoryPath);
            Stopwatch stopwatch = Stopwatch.StartNew();
            if (branch == null)
            {
                string current = (await RunGitAsync(new[] { "-C", path, "symbolic-ref", "--short", "-q", "HEAD" }, null, cancellationToken, null, null, allowFailure: true).ConfigureAwait(false)).Trim();
                if (current.Length == 0)
                {
                    throw new PfaException(ErrorIds.GitBranchUnknown, PfaErrorKind.InvalidArgument, $"The repository '{path}' has no current branch (detached HEAD, or not a git repository). Pass the branch to fetch with -Branch.", path);
                }

                branch = current;
                ValidateBranch(branch);
            }

            var arguments = new List<string> { "-C", path, "fetch", "--no-tags" };
            if (progress != null)
            {
                arguments.Add("--progress");
            }

            if (depth != null)
            {
                arguments.Add("--depth=" + depth.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            arguments.Add("--");
            arguments.Add(url.ToString());
            arguments.Add("+refs/heads/" + branch + ":refs/remotes/origin/" + branch);
            await RunWithSshAsync(url, privateKeyText, policy, arguments, null, cancellationToken, progress, tempRoot).ConfigureAwait(false);
            string commit = (await RunGitAsync(new[] { "-C", path, "rev-parse", "refs/remotes/origin/" + branch }, null, cancellationToken, null, null).ConfigureAwait(false)).Trim();
            return new GitCommandResult(path, branch, commit, stopwatch.Elapsed);
        }

        private static void ValidateCommon(GitSshUrl url, HostKeyPolicy policy, string? branch, int? depth)
        {
            if (url == null)
            {
                throw new ArgumentNullException(nameof(url));
            }

            if (policy == null)
            {
                throw new ArgumentNullException(nameof(policy));
            }

            if (branch != null)
            {
                ValidateBranch(branch);
            }

            if (depth != null && depth.Value < 1)
            {
                throw new PfaException(ErrorIds.GitDepthInvalid, PfaErrorKind.InvalidArgument, "The depth must be 1 or more (the number of commits to fetch); omit it for the full history.", depth.Value);
            }
        }

        private static void ValidateBranch(string branch)
        {
            bool bad = branch.Length == 0 || branch.StartsWith("-", StringComparison.Ordinal) || branch.Contains("..") || branch.EndsWith("/", StringComparison.Ordinal) || branch.EndsWith(".lock", StringComparison.Ordinal);
            foreach (char c in branch)
            {
                if (char.IsControl(c) || char.IsWhiteSpace(c) || c == '~' || c == '^' || c == ':' || c == '?' || c == '*' || c == '[' || c == '\\')
                {
                    bad = true;
                }
            }

            if (bad)
            {
                throw new PfaException(ErrorIds.GitBranchInvalid, PfaErrorKind.InvalidArgument, $"'{branch}' is not a valid branch name. Pass a branch name such as 'main' or 'release/1.0'.", branch);
            }
        }

        /// <summary>Verifies the host key with SSH.NET, then runs git with a temporary key file and known_hosts.</summary>
        private static async Task RunWithSshAsync(GitSshUrl url, string privateKeyText, HostKeyPolicy policy, List<string> arguments, string? workingDirectory, CancellationToken cancellationToken, IProgress<string>? progress, string? tempRoot)
        {
            string git = FindGit();
            string knownHostsLine;
            string algorithms;
            using (SshPrivateKey key = SshPrivateKey.Load(privateKeyText))
            {
                algorithms = string.Join(",", key.Algorithms);
                knownHostsLine = await VerifyHostKeyAsync(url, key, policy, cancellationToken).ConfigureAwait(false);
            }

            string root = tempRoot ?? System.IO.Path.GetTempPath();
            GitTempFolders.SweepDead(root);
            string folder = CreatePrivateFolder(root);
            GitTempFolders.MarkOwner(folder);
            using (GitWatchdog.Start(folder))
            try
            {
                string keyPath = System.IO.Path.Combine(folder, "id");
                string knownHostsPath = System.IO.Path.Combine(folder, "known_hosts");
                WritePrivateFile(keyPath, privateKeyText.Replace("\r\n", "\n").Trim() + "\n");
                WritePrivateFile(knownHostsPath, knownHostsLine + "\n");
                string sshCommand = string.Join(" ", new[]
                {
                    "ssh",
                    "-i", ShellQuote(ToSshPath(keyPath)),
                    "-o", "IdentitiesOnly=yes",
                    "-o", "IdentityAgent=none",
                    "-o", "PreferredAuthentications=publickey",
                    "-o", "BatchMode=yes",
                    "-o", "StrictHostKeyChecking=yes",
                    "-o", "UserKnownHostsFile=" + ShellQuote(ToSshPath(knownHostsPath)),
                    "-o", "GlobalKnownHostsFile=" + ShellQuote(ToSshPath(knownHostsPath)),
                    "-o", "UpdateHostKeys=no",
                    "-o", "CheckHostIP=no",
                    // The alias of PubkeyAcceptedAlgorithms that OpenSSH before 8.5 (Windows 10's 8.1) also understands.
                    "-o", "PubkeyAcceptedKeyTypes=" + algorithms,
                    "-p", url.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                });
                var environment = new Dictionary<string, string?>
                {
                    ["GIT_SSH_COMMAND"] = sshCommand,
                    ["GIT_SSH"] = null,
                    ["GIT_SSH_VARIANT"] = "ssh",
                    ["GIT_TERMINAL_PROMPT"] = "0",
                    ["GIT_ASKPASS"] = null,
                    ["SSH_ASKPASS"] = null,
                };
                await RunGitAsync(arguments, environment, cancellationToken, progress, folder, git: git, ownGroupMarker: System.IO.Path.Combine(folder, GitWatchdog.GroupFileName)).ConfigureAwait(false);
            }
            finally
            {
                DeleteFolder(folder);
            }
        }

        private static async Task<string> VerifyHostKeyAsync(GitSshUrl url, SshPrivateKey key, HostKeyPolicy policy, CancellationToken cancellationToken)
        {
            using (var connector = new SshConnector(url, key, policy, ProbeTimeout))
            {
                try
                {
                    return await connector.RunAsync(
                        () =>
                        {
                            connector.Client.Connect();
                            connector.Client.Disconnect();
                            byte[] blob = connector.HostKey ?? throw new InvalidOperationException("The server presented no host key.");
                            return url.KnownHostsName + " " + HostKeyPolicy.ReadKeyType(blob) + " " + Convert.ToBase64String(blob);
                        },
                        ProbeTimeout,
                        cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    throw;
                }
                catch (Exception ex)
                {
                    throw connector.Map(ex, ProbeTimeout);
                }
            }
        }

        private static string FindGit()
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

            return new PfaException(
                ErrorIds.SshHostKeyMismatch,
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

        /// <summary>Quotes for the POSIX shell git runs GIT_SSH_COMMAND with (also Git for Windows' sh).</summary>
        internal static string ShellQuote(string value) => "'" + value.Replace("'", "'\\''") + "'";

        /// <summary>OpenSSH (and Git for Windows' sh) take forward slashes on Windows too.</summary>
        private static string ToSshPath(string path) =>
            RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? path.Replace('\\', '/') : path;

        private static string CreatePrivateFolder(string root)
        {
            string folder = System.IO.Path.Combine(root, GitTempFolders.Prefix + Guid.NewGuid().ToString("N"));
            OwnerOnlyFiles.CreatePrivateDirectory(folder);
            return folder;
        }

        /// <summary>Creates the file owner-only (0600, or on Windows an ACL with only the current user) before writing.</summary>
        private static void WritePrivateFile(string path, string content)
        {
            byte[] bytes = new UTF8Encoding(false).GetBytes(content);
            using (FileStream stream = OwnerOnlyFiles.CreateNew(path, ownerOnly: true))
            {
                stream.Write(bytes, 0, bytes.Length);
            }
        }

        private static void DeleteFolder(string folder)
        {
            for (int attempt = 0; attempt < 5; attempt++)
            {
                try
                {
                    if (Directory.Exists(folder))
                    {
                        Directory.Delete(folder, recursive: true);
                    }

                    return;
                }
                catch (IOException) when (attempt < 4)
                {
                    Thread.Sleep(50); // Windows: ssh.exe may still hold the file for a moment.
                }
                catch (UnauthorizedAccessException) when (attempt < 4)
                {
                    Thread.Sleep(50);
                }
                catch (IOException)
                {
                }
                catch (UnauthorizedAccessException)
                {
                }
            }
        }

        private static void RemovePartialClone(string target, bool existed)
        {
            try
            {
                if (!Directory.Exists(target))
                {
                    return;
                }

                if (existed)
                {
                    foreach (string entry in Directory.GetFileSystemEntries(target))
                    {
                        if (Directory.Exists(entry))
                        {
                            Directory.Delete(entry, recursive: true);
                        }
                        else
                        {
                            File.Delete(entry);
                        }
                    }
                }
                else
                {
                    Directory.Delete(target, recursive: true);
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}
