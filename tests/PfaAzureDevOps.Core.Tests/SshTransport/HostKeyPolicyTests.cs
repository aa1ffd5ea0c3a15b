using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using PfaAzureDevOps.Core.Ssh;
using PfaAzureDevOps.Core.SshTransport;
using Xunit;

namespace PfaAzureDevOps.Core.Tests.SshTransport
{
    public class HostKeyPolicyTests
    {
        private static byte[] Blob(string type, byte[] body)
        {
            var stream = new MemoryStream();
            byte[] name = Encoding.ASCII.GetBytes(type);
            stream.Write(new byte[] { 0, 0, 0, (byte)name.Length });
            stream.Write(name);
            stream.Write(body);
            return stream.ToArray();
        }

        [Theory]
        [InlineData("SHA256:ohD8VZEXGWo6Ez8GSEJQ9WpafgLFsOfLOtGGQCQo6Og")]
        [InlineData("SHA256:ohD8VZEXGWo6Ez8GSEJQ9WpafgLFsOfLOtGGQCQo6Og=")]
        [InlineData("ohD8VZEXGWo6Ez8GSEJQ9WpafgLFsOfLOtGGQCQo6Og")]
        [InlineData("  sha256:ohD8VZEXGWo6Ez8GSEJQ9WpafgLFsOfLOtGGQCQo6Og ")]
        public void FingerprintForms(string text)
        {
            Assert.Equal(HostKeyPolicy.AzureDevOpsFingerprint, HostKeyPolicy.NormalizeFingerprint(text));
        }

        [Theory]
        [InlineData("97:70:33:82:fd:29:3a:73:39:af:6a:07:ad:f8:80:49")]
        [InlineData("MD5:97:70:33:82:fd:29:3a:73:39:af:6a:07:ad:f8:80:49")]
        [InlineData("SHA256:short")]
        [InlineData("SHA256:!!D8VZEXGWo6Ez8GSEJQ9WpafgLFsOfLOtGGQCQo6Og")]
        public void BadFingerprints(string text)
        {
            PfaException ex = Assert.Throws<PfaException>(() => HostKeyPolicy.FromFingerprint(text));
            Assert.Equal("HostKeyFingerprintInvalid", ex.ErrorId);
        }

        [Fact]
        public void AzureDevOpsIsPinnedByDefault()
        {
            byte[] key = Blob("ssh-rsa", new byte[] { 1, 2, 3 });
            HostKeyVerdict verdict = HostKeyPolicy.Default.Verify("ssh.dev.azure.com", 22, key);
            Assert.False(verdict.IsTrusted);
            Assert.True(verdict.IsKnown);
            PfaException ex = verdict.ToException("ssh.dev.azure.com", 22);
            Assert.Equal("SshHostKeyMismatch", ex.ErrorId);
            Assert.Contains(HostKeyPolicy.AzureDevOpsFingerprint, ex.Message);

            Assert.False(HostKeyPolicy.Default.Verify("example.com", 22, key).IsKnown);
            Assert.Equal("SshHostKeyUnknown", HostKeyPolicy.Default.Verify("example.com", 22, key).ToException("example.com", 22).ErrorId);
        }

        [Fact]
        public void KnownHostsPatterns()
        {
            byte[] key = Blob("ssh-ed25519", new byte[] { 9, 9, 9 });
            byte[] other = Blob("ssh-ed25519", new byte[] { 8, 8, 8 });
            string b64 = Convert.ToBase64String(key);
            var policy = HostKeyPolicy.FromKnownHostsText(
                "# c\n" +
                $"*.corp.example,!bad.corp.example ssh-ed25519 {b64}\n" +
                $"[git.example]:2222 ssh-ed25519 {b64}\n" +
                $"@revoked revoked.example ssh-ed25519 {b64}\n" +
                $"revoked.example ssh-ed25519 {b64}\n" +
                $"@cert-authority *.ca.example ssh-ed25519 {b64}\n" +
                "garbage line\n");
            Assert.True(policy.Verify("a.corp.example", 22, key).IsTrusted);
            Assert.False(policy.Verify("a.corp.example", 22, other).IsTrusted);
            Assert.True(policy.Verify("a.corp.example", 22, other).IsKnown);
            Assert.False(policy.Verify("bad.corp.example", 22, key).IsKnown);
            Assert.True(policy.Verify("git.example", 2222, key).IsTrusted);
            Assert.False(policy.Verify("git.example", 22, key).IsKnown);
            Assert.False(policy.Verify("revoked.example", 22, key).IsTrusted);
            Assert.False(policy.Verify("x.ca.example", 22, key).IsKnown);
            Assert.Equal(new List<string> { "ssh-ed25519" }, policy.PreferredKeyTypes("git.example", 2222));
        }

        [Fact]
        public void UnreadableKnownHosts()
        {
            PfaException ex = Assert.Throws<PfaException>(() => HostKeyPolicy.FromKnownHostsFile("/nonexistent/known_hosts"));
            Assert.Equal("KnownHostsUnreadable", ex.ErrorId);
        }
    }
}
