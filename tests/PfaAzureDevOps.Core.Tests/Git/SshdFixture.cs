using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using PfaAzureDevOps.TestServers;
using Xunit;

namespace PfaAzureDevOps.Core.Tests.Git
{
    [CollectionDefinition(Name)]
    public sealed class SshdCollection : ICollectionFixture<SshdFixture>
    {
        public const string Name = "sshd";
    }

    /// <summary>
    /// A private OpenSSH server on 127.0.0.1 with its own host keys, authorized keys and bare repositories, started by the
    /// shared launcher (tests/TestServers). The login user is the current user; repositories are addressed by absolute path.
    /// </summary>
    public sealed class SshdFixture : IDisposable
    {
        private readonly List<SshdInstance> _instances = new List<SshdInstance>();

        public SshdFixture()
        {
            Lane.RequireIntegration("sshd");
            Root = Path.Combine(Path.GetTempPath(), "pfa-sshd-" + Guid.NewGuid().ToString("N").Substring(0, 12));
            Directory.CreateDirectory(Root);
            try
            {
                HostKeyEd25519 = GenerateKey("host_ed25519", "ed25519");
                // RSA 2048: these keys are here for the algorithms they negotiate (ssh-rsa, rsa-sha2-256/512), not their size
                // (Azure DevOps' own host key is RSA 2048), and a 2048-bit key is about half the CPU of a 3072-bit one to make.
                HostKeyRsa = GenerateKey("host_rsa", "rsa", "2048");
                ClientRsa = GenerateKey("client_rsa", "rsa", "2048");
                ClientEd25519 = GenerateKey("client_ed25519", "ed25519");
                ClientUnauthorized = GenerateKey("client_unauthorized", "ed25519");
                AuthorizedKeys = Path.Combine(Root, "authorized_keys");
                File.WriteAllText(AuthorizedKeys, File.ReadAllText(ClientRsa + ".pub") + File.ReadAllText(ClientEd25519 + ".pub"));

                HostFingerprintEd25519 = Fingerprint(HostKeyEd25519 + ".pub");
                HostFingerprintRsa = Fingerprint(HostKeyRsa + ".pub");

                RepositoryPath = CreateRepository("project");
                Server = Start("main", "rsa-sha2-512,rsa-sha2-256,ssh-ed25519", HostKeyEd25519, HostKeyRsa);
            }
            catch
            {
                Dispose();
                throw;
            }
        }

        public string Root { get; }

        public string HostKeyEd25519 { get; }

        public string HostKeyRsa { get; }

        public string HostFingerprintEd25519 { get; }

        public string HostFingerprintRsa { get; }

        public string ClientRsa { get; }

        public string ClientEd25519 { get; }

        public string ClientUnauthorized { get; }

        public string AuthorizedKeys { get; }

        /// <summary>The bare repository 'project.git' with branches main (HEAD) and feature, and tag v1.</summary>
        public string RepositoryPath { get; }

        public SshdInstance Server { get; }

        public string ReadKey(string path) => File.ReadAllText(path);

        public string Url(string repositoryPath, SshdInstance? server = null) => $"ssh://{Environment.UserName}@127.0.0.1:{(server ?? Server).Port}{repositoryPath}";

        /// <summary>Starts another sshd with the given PubkeyAcceptedAlgorithms; disposed with the fixture (or earlier).</summary>
        public SshdInstance Start(string name, string pubkeyAlgorithms, params string[] hostKeys)
        {
            var instance = new SshdInstance(this, name, pubkeyAlgorithms, hostKeys);
            lock (_instances)
            {
                _instances.Add(instance);
            }

            return instance;
        }

        /// <summary>Creates a bare repository with main (2 commits), feature and a tag; returns its absolute path.</summary>
        public string CreateRepository(string name)
        {
            string bare = Path.Combine(Root, "repos", name + ".git");
            string work = Path.Combine(Root, "work-" + name);
            Run("git", "init", "-q", "--bare", "--initial-branch=main", bare);
            Run("git", "init", "-q", "--initial-branch=main", work);
            Commit(work, "readme.txt", "hello", "first");
            Commit(work, "readme.txt", "hello again", "second");
            Run("git", "-C", work, "branch", "feature");
            Run("git", "-C", work, "tag", "v1");
            Run("git", "-C", work, "push", "-q", bare, "main", "feature", "v1");
            return bare;
        }

        /// <summary>Adds a commit to main of a repository made by CreateRepository; returns its id.</summary>
        public string PushNewCommit(string name, string content)
        {
            string bare = Path.Combine(Root, "repos", name + ".git");
            string work = Path.Combine(Root, "work-" + name);
            Commit(work, "readme.txt", content, "update " + content);
            Run("git", "-C", work, "push", "-q", bare, "main");
            return Run("git", "-C", work, "rev-parse", "HEAD").Trim();
        }

        public string RevParse(string repository, string rev) => Run("git", "--git-dir=" + repository, "rev-parse", rev).Trim();

        private void Commit(string work, string file, string content, string message)
        {
            File.WriteAllText(Path.Combine(work, file), content);
            Run("git", "-C", work, "add", file);
            Run("git", "-C", work, "-c", "user.name=Test", "-c", "user.email=test@example.invalid", "commit", "-q", "-m", message);
        }

        private string GenerateKey(string name, string type, string? bits = null)
        {
            string path = Path.Combine(Root, name);
            var args = new List<string> { "-q", "-t", type, "-N", "", "-C", name, "-f", path };
            if (bits != null)
            {
                args.Add("-b");
                args.Add(bits);
            }

            Run("ssh-keygen", args.ToArray());
            return path;
        }

        public static string Fingerprint(string publicKeyPath)
        {
            // "256 SHA256:xxxx comment (ED25519)"
            string output = Run("ssh-keygen", "-l", "-E", "sha256", "-f", publicKeyPath);
            return output.Split(' ')[1];
        }

        public static string Run(string file, params string[] args) => ServerProcess.Run(file, args);

        public static int FreePort() => ServerProcess.FreeLoopbackPort();

        public void Dispose()
        {
            lock (_instances)
            {
                foreach (SshdInstance instance in _instances)
                {
                    instance.Dispose();
                }

                _instances.Clear();
            }

            try
            {
                if (Directory.Exists(Root))
                {
                    Directory.Delete(Root, recursive: true);
                }
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>One sshd of the fixture, started by the shared launcher (tests/TestServers).</summary>
    public sealed class SshdInstance : IDisposable
    {
        private readonly Sshd _sshd;

        internal SshdInstance(SshdFixture fixture, string name, string pubkeyAlgorithms, string[] hostKeys)
        {
            var lines = new List<string>
            {
                "AuthorizedKeysFile " + fixture.AuthorizedKeys,
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "UsePAM no",
                "StrictModes no",
                "PermitRootLogin prohibit-password",
                "PubkeyAcceptedAlgorithms " + pubkeyAlgorithms,
                "LogLevel DEBUG1",
                "MaxStartups 100:30:200",
                "MaxSessions 50",
            };
            foreach (string hostKey in hostKeys)
            {
                lines.Add("HostKey " + hostKey);
            }

            _sshd = Sshd.Start(fixture.Root, name, lines, TimeSpan.FromSeconds(10));
        }

        public int Port => _sshd.Port;

        public string Log => _sshd.Log;

        public void Dispose() => _sshd.Dispose();
    }
}
