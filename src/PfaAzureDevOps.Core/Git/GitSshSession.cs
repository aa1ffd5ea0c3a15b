using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using PfaAzureDevOps.Core.Platform;
using PfaAzureDevOps.Core.Ssh;
using PfaAzureDevOps.Core.SshTransport;

namespace PfaAzureDevOps.Core.Git
{
    /// <summary>
    /// One git command over OpenSSH with one key and a verified host key: the host key is first fetched and verified with
    /// SSH.NET against the policy's pin and written to a temporary known_hosts; the key goes to a temporary owner-only
    /// file in an owner-only pfa-git-* folder (watched by <see cref="GitWatchdog"/>); both are removed afterwards.
    /// </summary>
    internal static class GitSshSession
    {
        private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(30);

        /// <summary>Verifies the host key with SSH.NET, then runs git with a temporary key file and known_hosts.</summary>
        internal static async Task RunWithSshAsync(GitSshUrl url, string privateKeyText, HostKeyPolicy policy, List<string> arguments, string? workingDirectory, CancellationToken cancellationToken, IProgress<string>? progress, string? tempRoot)
        {
            string git = GitProcess.FindGit();
            string knownHostsLine;
            string algorithms;
            using (SshClientKey key = SshClientKey.Load(privateKeyText))
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
                    "-i", ShellQuote(GitProcess.ToSshPath(keyPath)),
                    "-o", "IdentitiesOnly=yes",
                    "-o", "IdentityAgent=none",
                    "-o", "PreferredAuthentications=publickey",
                    "-o", "BatchMode=yes",
                    "-o", "StrictHostKeyChecking=yes",
                    "-o", "UserKnownHostsFile=" + ShellQuote(GitProcess.ToSshPath(knownHostsPath)),
                    "-o", "GlobalKnownHostsFile=" + ShellQuote(GitProcess.ToSshPath(knownHostsPath)),
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
                await GitProcess.RunGitAsync(arguments, environment, cancellationToken, progress, folder, git: git, ownGroupMarker: System.IO.Path.Combine(folder, GitWatchdog.GroupFileName)).ConfigureAwait(false);
            }
            finally
            {
                DeleteFolder(folder);
            }
        }

        private static async Task<string> VerifyHostKeyAsync(GitSshUrl url, SshClientKey key, HostKeyPolicy policy, CancellationToken cancellationToken)
        {
            using (var connector = new SshConnector(url.ToEndpoint(), key, policy, ProbeTimeout))
            {
                try
                {
                    return await connector.RunAsync(
                        () =>
                        {
                            connector.Client.Connect();
                            connector.Client.Disconnect();
                            byte[] blob = connector.HostKey ?? throw new InvalidOperationException("The server presented no host key.");
                            return url.KnownHostsName + " " + SshFingerprint.ReadKeyType(blob) + " " + Convert.ToBase64String(blob);
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

        /// <summary>Quotes for the POSIX shell git runs GIT_SSH_COMMAND with (also Git for Windows' sh).</summary>
        internal static string ShellQuote(string value) => "'" + value.Replace("'", "'\\''") + "'";

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
    }
}
