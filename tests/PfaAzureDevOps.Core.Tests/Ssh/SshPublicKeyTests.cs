using System;
using System.IO;
using System.Threading;
using PfaAzureDevOps.Core.Ssh;
using Xunit;

namespace PfaAzureDevOps.Core.Tests.Ssh
{
    [Trait(Lane.Name, Lane.Integration)]
    public class SshPublicKeyTests
    {
        // A key made by ssh-keygen 9.2 (ssh-keygen -t ed25519): fixed so the fingerprints are known constants.
        private static readonly Lazy<(string Line, string Sha256, string Md5)> Ed25519Fixture = new Lazy<(string, string, string)>(MakeFixture);

        [Fact]
        public void ParsesLineAndMatchesSshKeygenFingerprints()
        {
            var (line, sha256, md5) = Ed25519Fixture.Value;
            SshPublicKey key = SshPublicKey.Parse(line);
            Assert.Equal(SshKeyType.Ed25519, key.KeyType);
            Assert.Equal(256, key.Bits);
            Assert.Equal("fixture key", key.Comment);
            Assert.Equal(sha256, key.Sha256Fingerprint);
            Assert.Equal(md5, key.Md5FingerprintWithPrefix);
            Assert.Equal(line.Trim(), key.Line);
        }

        [Theory]
        [InlineData("\n")]
        [InlineData("\r\n")]
        [InlineData("  \t")]
        [InlineData("\n\n")]
        public void ToleratesSurroundingWhitespace(string extra)
        {
            var (line, sha256, _) = Ed25519Fixture.Value;
            SshPublicKey key = SshPublicKey.Parse("  " + line.Trim() + extra);
            Assert.Equal(sha256, key.Sha256Fingerprint);
            Assert.Equal(line.Trim(), key.Line);
        }

        [Fact]
        public void KeepsCommentWithSpacesAndAcceptsNoComment()
        {
            var (line, sha256, _) = Ed25519Fixture.Value;
            string[] parts = line.Trim().Split(' ');
            Assert.Equal("a b  c", SshPublicKey.Parse(parts[0] + " " + parts[1] + " a b  c").Comment);
            SshPublicKey bare = SshPublicKey.Parse(parts[0] + " " + parts[1]);
            Assert.Equal(string.Empty, bare.Comment);
            Assert.Equal(sha256, bare.Sha256Fingerprint);
            Assert.Equal(parts[0] + " " + parts[1], bare.Line);
        }

        [Theory]
        [InlineData("")]
        [InlineData("   \n")]
        [InlineData("ssh-rsa")]
        [InlineData("AAAAC3NzaC1lZDI1NTE5AAAAIJ")]
        [InlineData("ssh-rsa not*base64! comment")]
        [InlineData("ssh-rsa AAAAB3NzaC1yc2E= comment")]
        [InlineData("---- BEGIN SSH2 PUBLIC KEY ----")]
        public void RefusesMalformedLines(string line)
        {
            var ex = Assert.Throws<PfaException>(() => SshPublicKey.Parse(line));
            Assert.Equal("SshPublicKeyMalformed", ex.ErrorId);
        }

        [Fact]
        public void RefusesTruncatedBase64()
        {
            var (line, _, _) = Ed25519Fixture.Value;
            string[] parts = line.Trim().Split(' ');
            // Cut whole base64 quanta so the base64 itself stays valid but the blob is short.
            string cut = parts[1].Substring(0, parts[1].Length - 8);
            Assert.Equal("SshPublicKeyMalformed", Assert.Throws<PfaException>(() => SshPublicKey.Parse(parts[0] + " " + cut)).ErrorId);
            // Cut mid-quantum: invalid base64.
            Assert.Equal("SshPublicKeyMalformed", Assert.Throws<PfaException>(() => SshPublicKey.Parse(parts[0] + " " + parts[1].Substring(0, parts[1].Length - 3))).ErrorId);
        }

        [Fact]
        public void RefusesTypeThatDisagreesWithBlob()
        {
            var (line, _, _) = Ed25519Fixture.Value;
            string[] parts = line.Trim().Split(' ');
            var ex = Assert.Throws<PfaException>(() => SshPublicKey.Parse("ssh-rsa " + parts[1] + " c"));
            Assert.Equal("SshPublicKeyMalformed", ex.ErrorId);
            Assert.Contains("ssh-ed25519", ex.Message);
        }

        [Fact]
        public void RefusesSeveralLines()
        {
            var (line, _, _) = Ed25519Fixture.Value;
            var ex = Assert.Throws<PfaException>(() => SshPublicKey.Parse(line.Trim() + "\n" + line.Trim()));
            Assert.Equal("SshPublicKeyMalformed", ex.ErrorId);
        }

        [Fact]
        public void RefusesPastedPrivateKeys()
        {
            using SshKeyPair pair = SshKeyGenerator.Generate(SshKeyType.Ed25519, 0, "c", CancellationToken.None);
            string privateText = pair.ToOpenSshPrivateKey();
            var ex = Assert.Throws<PfaException>(() => SshPublicKey.Parse(privateText));
            Assert.Equal("SshPublicKeyIsPrivate", ex.ErrorId);
            Assert.Equal(PfaErrorKind.SecurityError, ex.Kind);
            foreach (string l in privateText.Split('\n'))
            {
                if (l.Length > 0 && !l.StartsWith("-----"))
                {
                    Assert.DoesNotContain(l, ex.Message);
                }
            }

            Assert.Equal("SshPublicKeyIsPrivate", Assert.Throws<PfaException>(() => SshPublicKey.Parse("-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----")).ErrorId);
            Assert.Equal("SshPublicKeyIsPrivate", Assert.Throws<PfaException>(() => SshPublicKey.Parse("  -----BEGIN PRIVATE KEY-----")).ErrorId);
            Assert.Equal("SshPublicKeyIsPrivate", Assert.Throws<PfaException>(() => SshPublicKey.Parse("PuTTY-User-Key-File-3: ssh-rsa\nEncryption: none")).ErrorId);
            string body = string.Concat(privateText.Split('\n')[1..^2]);
            Assert.Equal("SshPublicKeyIsPrivate", Assert.Throws<PfaException>(() => SshPublicKey.Parse(body)).ErrorId);
        }

        [Fact]
        public void RefusesUnsupportedKeyTypes()
        {
            // A well-formed blob of another type: ssh-dss style names.
            byte[] name = System.Text.Encoding.ASCII.GetBytes("ssh-dss");
            byte[] blob = new byte[4 + name.Length + 4 + 1];
            blob[3] = (byte)name.Length;
            Array.Copy(name, 0, blob, 4, name.Length);
            blob[4 + name.Length + 3] = 1;
            var ex = Assert.Throws<PfaException>(() => SshPublicKey.Parse("ssh-dss " + Convert.ToBase64String(blob)));
            Assert.Equal("SshPublicKeyUnsupportedType", ex.ErrorId);
        }

        [Fact]
        public void RefusesEcdsaPointOffTheCurve()
        {
            using SshKeyPair pair = SshKeyGenerator.Generate(SshKeyType.EcdsaP256, 0, "c", CancellationToken.None);
            byte[] blob = pair.PublicKeyBlob;
            blob[blob.Length - 1] ^= 1;
            Assert.Equal("SshPublicKeyMalformed", Assert.Throws<PfaException>(() => SshPublicKey.Parse("ecdsa-sha2-nistp256 " + Convert.ToBase64String(blob))).ErrorId);
        }

        [Fact]
        public void FromFileReadsAndReportsMissingFiles()
        {
            using var dir = new TempDir();
            var (line, sha256, _) = Ed25519Fixture.Value;
            string file = Path.Combine(dir.Path, "k.pub");
            File.WriteAllText(file, line);
            Assert.Equal(sha256, SshPublicKey.FromFile(file).Sha256Fingerprint);
            var ex = Assert.Throws<PfaException>(() => SshPublicKey.FromFile(Path.Combine(dir.Path, "missing.pub")));
            Assert.Equal("SshPublicKeyFileNotFound", ex.ErrorId);
            File.WriteAllText(file, "garbage");
            var bad = Assert.Throws<PfaException>(() => SshPublicKey.FromFile(file));
            Assert.Equal("SshPublicKeyMalformed", bad.ErrorId);
            Assert.Equal(file, bad.Target);
        }

        private static (string, string, string) MakeFixture()
        {
            using var dir = new TempDir();
            string file = Path.Combine(dir.Path, "fixture");
            SshKeygen.RunOk("-q", "-t", "ed25519", "-N", string.Empty, "-C", "fixture key", "-f", file);
            string line = File.ReadAllText(file + ".pub");
            string sha = SshKeygen.Fields(SshKeygen.RunOk("-l", "-f", file + ".pub").StdOut, 2)[1];
            string md5 = SshKeygen.Fields(SshKeygen.RunOk("-l", "-E", "md5", "-f", file + ".pub").StdOut, 2)[1];
            return (line, sha, md5);
        }
    }
}
