using System;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using PfaAzureDevOps.TestServers;
using Xunit;

namespace PfaAzureDevOps.Core.Tests.TestServers
{
    /// <summary>
    /// The test servers' key cache (<see cref="TestKeys"/>), in a throwaway "checkout": a key that does not parse is made
    /// again, the host key's copy and its .pub always match, and the cache waits for a lock held by a process of another
    /// session (flock(1) under setsid, the case a session-local named mutex did not cover).
    /// </summary>
    [Trait(Lane.Name, Lane.Integration)]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]   // setsid, flock(1), ssh-keygen and file modes, as the test servers themselves
    public sealed class TestKeysTests : IDisposable
    {
        private readonly string _root = Path.Combine(Path.GetTempPath(), "pfa-testkeys-" + Guid.NewGuid().ToString("N"));

        private string Keys => Path.Combine(_root, ".tmp", "azure-devops-emulator", "keys");

        public TestKeysTests() => Lane.RequireIntegration("ssh-keygen and flock");

        public void Dispose() => Directory.Delete(_root, recursive: true);

        [Fact]
        public void ATruncatedHostKeyIsMadeAgainAndItsCopyMatchesItsPublicLine()
        {
            Directory.CreateDirectory(Keys);
            string key = Path.Combine(Keys, "ssh_host_rsa_key");
            File.WriteAllText(key, "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9u\n");   // cut short
            File.WriteAllText(key + ".pub", "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 other\n");

            Assert.Equal(key, TestKeys.SshHostKey(_root));
            Assert.NotNull(TestKeys.SshHostPublicKey(File.ReadAllText(key)));
            Assert.False(File.Exists(key + ".pub"));

            string destination = Path.Combine(_root, "run", "ssh_host_rsa_key");
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            TestKeys.CopySshHostKey(_root, destination);
            string derived = Run("/usr/bin/ssh-keygen", "-y", "-f", destination).Trim();
            Assert.Equal(derived.Split(' ')[1], File.ReadAllText(destination + ".pub").Split(' ')[1]);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(destination));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Keys));
        }

        [Fact]
        public async Task ABrokenTlsKeyWaitsForTheLockOfAProcessInAnotherSessionThenIsMadeAgain()
        {
            Directory.CreateDirectory(Keys);
            string key = Path.Combine(Keys, "tls-rsa-2048.pem");
            File.WriteAllText(key, "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n");
            string held = Path.Combine(_root, "held");
            var psi = new ProcessStartInfo("/usr/bin/setsid") { UseShellExecute = false };
            foreach (string a in new[] { "/usr/bin/flock", "-x", Path.Combine(Keys, ".lock"), "sh", "-c", $"touch '{held}'; sleep 1.5" })
            {
                psi.ArgumentList.Add(a);
            }

            using Process holder = Process.Start(psi)!;
            var watch = Stopwatch.StartNew();
            while (!File.Exists(held))
            {
                Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), "flock never took the lock");
                Thread.Sleep(10);
            }

            Task<string> making = Task.Run(() => TestKeys.TlsKey(_root));
            await Task.Delay(500);
            Assert.False(making.IsCompleted, "the key was made while another process held the lock");
            Assert.Equal(key, await making);
            Assert.True(holder.HasExited, "the key was made before the other process released the lock");

            using var rsa = System.Security.Cryptography.RSA.Create();
            rsa.ImportFromPem(File.ReadAllText(key));
            Assert.Equal(2048, rsa.KeySize);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
            Assert.Equal(key, TestKeys.TlsKey(_root));   // a valid key is kept
        }

        private static string Run(string file, params string[] arguments)
        {
            var psi = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true };
            foreach (string a in arguments)
            {
                psi.ArgumentList.Add(a);
            }

            using Process p = Process.Start(psi)!;
            string output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            Assert.Equal(0, p.ExitCode);
            return output;
        }
    }
}
