using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using PfaAzureDevOps.Core.Ssh;
using Renci.SshNet;
using Xunit;

namespace PfaAzureDevOps.Core.Tests.Ssh
{
    [Trait(Lane.Name, Lane.Integration)]
    public class SshKeyGeneratorTests
    {
        private const string Passphrase = "correct horse battery staple";

        /// <summary>
        /// Every type once. RSA at 3072 bits only: the generator's RSA code is the same for both sizes it makes (the size
        /// goes to the platform's RSA and is checked on the key it returns), and an RSA 4096 generation costs about 2 CPU s
        /// (0.9-4, random) against 1 for 3072. 4096, the default, is still generated and checked with ssh-keygen (bits,
        /// SHA256 and MD5 fingerprints, -y) by tests/Pester/SshKeys.Tests.ps1 through New-PfaSshKey, which also makes 3072;
        /// the .NET Framework lane generates 3072 on .NET Framework's RSA and signs with it over SSH.NET.
        /// </summary>
        public static IEnumerable<object[]> KeyKinds() => new[]
        {
            new object[] { SshKeyType.Rsa, 3072, "RSA" },
            new object[] { SshKeyType.Ed25519, 0, "ED25519" },
            new object[] { SshKeyType.EcdsaP256, 0, "ECDSA" },
        };

        [Theory]
        [MemberData(nameof(KeyKinds))]
        public void GeneratedKeyAgreesWithSshKeygenAndSshNet(SshKeyType type, int bits, string keygenTypeName)
        {
            using SshKeyPair pair = SshKeyGenerator.Generate(type, bits, "pfa test@host", CancellationToken.None);
            int expectedBits = bits == 0 ? 256 : bits;
            Assert.Equal(type, pair.Type);
            Assert.Equal(expectedBits, pair.Bits);
            Assert.Equal("pfa test@host", pair.Comment);
            Assert.StartsWith(SshPublicKey.GetAlgorithmName(type) + " AAAA", pair.PublicKeyLine);
            Assert.EndsWith(" pfa test@host", pair.PublicKeyLine);
            Assert.Equal(pair.PublicKeyLine, pair.PublicKeyLine.Trim());

            // The line parses back to the same key.
            SshPublicKey parsed = SshPublicKey.Parse(pair.PublicKeyLine + "\n");
            Assert.True(parsed.SameKeyAs(pair.PublicKey));
            Assert.Equal(pair.Sha256Fingerprint, parsed.Sha256Fingerprint);
            Assert.Equal(pair.Md5Fingerprint, parsed.Md5Fingerprint);
            Assert.Equal(expectedBits, parsed.Bits);

            using var dir = new TempDir();
            string text = pair.ToOpenSshPrivateKey();
            Assert.StartsWith("-----BEGIN OPENSSH PRIVATE KEY-----\n", text);
            Assert.EndsWith("-----END OPENSSH PRIVATE KEY-----\n", text);
            Assert.All(text.Split('\n').Where(l => !l.StartsWith("-----") && l.Length > 0), l => Assert.True(l.Length <= 70));
            string plainFile = dir.File0600("id_plain", text);
            Assert.False(File.Exists(plainFile + ".pub"));

            // ssh-keygen -l: bits, SHA256 fingerprint, comment, type.
            string[] l = SshKeygen.Fields(SshKeygen.RunOk("-l", "-f", plainFile).StdOut, 10);
            Assert.Equal(expectedBits.ToString(), l[0]);
            Assert.Equal(pair.Sha256Fingerprint, l[1]);
            Assert.Equal("(" + keygenTypeName + ")", l[^1]);
            Assert.Equal("pfa test@host", string.Join(" ", l.Skip(2).Take(l.Length - 3)));

            // ssh-keygen -l -E md5.
            string[] m = SshKeygen.Fields(SshKeygen.RunOk("-l", "-E", "md5", "-f", plainFile).StdOut, 2);
            Assert.Equal(pair.Md5FingerprintWithPrefix, m[1]);
            Assert.Equal("MD5:" + pair.Md5Fingerprint, m[1]);
            Assert.Matches("^([0-9a-f]{2}:){15}[0-9a-f]{2}$", pair.Md5Fingerprint);

            // ssh-keygen -y: the same public key.
            string[] y = SshKeygen.Fields(SshKeygen.RunOk("-y", "-f", plainFile).StdOut, 2);
            Assert.Equal(SshKeygen.Fields(pair.PublicKeyLine, 2), y);

            // Encrypted: ssh-keygen decrypts it with the passphrase (each type: the padded private section's length differs);
            // that both refuse a wrong passphrase does not depend on the type, see EncryptedKeyRefusesAWrongPassphrase.
            string encrypted = pair.ToOpenSshPrivateKey(Passphrase);
            Assert.NotEqual(text, encrypted);
            string encFile = dir.File0600("id_enc", encrypted);
            string[] ye = SshKeygen.Fields(SshKeygen.RunOk("-y", "-P", Passphrase, "-f", encFile).StdOut, 2);
            Assert.Equal(SshKeygen.Fields(pair.PublicKeyLine, 2), ye);

            // Our own reader round-trips both.
            using (SshKeyPair again = SshPrivateKey.Load(text))
            {
                Assert.Equal(pair.PublicKeyLine, again.PublicKeyLine);
                Assert.Equal(text.Length, again.ToOpenSshPrivateKey().Length);
            }

            using (SshKeyPair again = SshPrivateKey.Load(encrypted, Passphrase))
            {
                Assert.Equal(pair.PublicKeyLine, again.PublicKeyLine);
            }

            Assert.Equal("SshPrivateKeyPassphraseRequired", Assert.Throws<PfaException>(() => SshPrivateKey.Load(encrypted, null)).ErrorId);

            // SSH.NET loads it through our key source (unencrypted: the engine decrypts keys itself and never gives SSH.NET
            // a passphrase). That SSH.NET also opens our encrypted export is checked once, in
            // EncryptedKeyRefusesAWrongPassphrase: its KDF and cipher do not depend on the type (each bcrypt_pbkdf costs
            // ~0.16 CPU s), and what it decrypts is the private section it parses here per type, padding included.
            using (PrivateKeyFile source = pair.ToSshNetKeySource())
            {
                AssertSshNetKey(pair, source);
            }
        }

        /// <summary>
        /// A wrong passphrase is refused by ssh-keygen and by our reader, which does not quote it; SSH.NET opens the encrypted
        /// export with the right one. The key derivation and the check words it decrypts are the same for every key type (each
        /// bcrypt_pbkdf costs ~0.16 CPU s), so one type is enough; GeneratedKeyAgreesWithSshKeygenAndSshNet decrypts every
        /// type with the right passphrase in ssh-keygen and in our reader.
        /// </summary>
        [Fact]
        public void EncryptedKeyRefusesAWrongPassphrase()
        {
            using SshKeyPair pair = SshKeyGenerator.Generate(SshKeyType.Ed25519, 0, "pfa test@host", CancellationToken.None);
            string encrypted = pair.ToOpenSshPrivateKey(Passphrase);
            using var dir = new TempDir();
            string encFile = dir.File0600("id_enc", encrypted);
            ProcessResult wrong = SshKeygen.Run("-y", "-P", "not the passphrase", "-f", encFile);
            Assert.NotEqual(0, wrong.ExitCode);
            Assert.Contains("incorrect passphrase", wrong.StdErr);

            var ex = Assert.Throws<PfaException>(() => SshPrivateKey.Load(encrypted, "wrong"));
            Assert.Equal("SshPrivateKeyWrongPassphrase", ex.ErrorId);
            Assert.DoesNotContain("wrong", ex.Message);

            using (var stream = new MemoryStream(Encoding.ASCII.GetBytes(encrypted)))
            using (var source = new PrivateKeyFile(stream, Passphrase))
            {
                AssertSshNetKey(pair, source);
            }
        }

        [Theory]
        [InlineData(SshKeyType.Rsa, 2048)]
        [InlineData(SshKeyType.Rsa, 1024)]
        [InlineData(SshKeyType.Rsa, 8192)]
        [InlineData(SshKeyType.Rsa, -1)]
        [InlineData(SshKeyType.Ed25519, 384)]
        [InlineData(SshKeyType.EcdsaP256, 521)]
        public void RefusesOtherSizes(SshKeyType type, int bits)
        {
            var ex = Assert.Throws<PfaException>(() => SshKeyGenerator.Generate(type, bits, "c", CancellationToken.None));
            Assert.Equal("SshKeyInvalidSize", ex.ErrorId);
            Assert.Equal(PfaErrorKind.InvalidArgument, ex.Kind);
        }

        [Fact]
        public void RefusesMultiLineComment()
        {
            var ex = Assert.Throws<PfaException>(() => SshKeyGenerator.Generate(SshKeyType.Ed25519, 0, "a\nb", CancellationToken.None));
            Assert.Equal("SshKeyInvalidComment", ex.ErrorId);
        }

        [Fact]
        public void HonoursCancellation()
        {
            using var cts = new CancellationTokenSource();
            cts.Cancel();
            Assert.ThrowsAny<OperationCanceledException>(() => SshKeyGenerator.Generate(SshKeyType.Rsa, 4096, "c", cts.Token));
        }

        [Fact]
        public void EmptyCommentGivesTwoFieldLine()
        {
            using SshKeyPair pair = SshKeyGenerator.Generate(SshKeyType.Ed25519, 0, string.Empty, CancellationToken.None);
            Assert.Equal(2, pair.PublicKeyLine.Split(' ').Length);
            using var dir = new TempDir();
            string file = dir.File0600("k", pair.ToOpenSshPrivateKey());
            Assert.Equal(pair.Sha256Fingerprint, SshKeygen.Fields(SshKeygen.RunOk("-l", "-f", file).StdOut, 2)[1]);
        }

        [Fact]
        public void DisposeClearsPrivateMaterial()
        {
            SshKeyPair pair = SshKeyGenerator.Generate(SshKeyType.Ed25519, 0, "c", CancellationToken.None);
            string line = pair.PublicKeyLine;
            pair.Dispose();
            Assert.True(pair.IsDisposed);
            Assert.Equal(line, pair.PublicKeyLine);
            Assert.Throws<ObjectDisposedException>(() => pair.ToOpenSshPrivateKey());
            Assert.Throws<ObjectDisposedException>(() => pair.ToSshNetKeySource());
        }

        [Fact]
        public void SetCommentIsWrittenToBothForms()
        {
            using SshKeyPair pair = SshKeyGenerator.Generate(SshKeyType.EcdsaP256, 0, "old", CancellationToken.None);
            pair.SetComment("new comment");
            Assert.EndsWith(" new comment", pair.PublicKeyLine);
            using SshKeyPair again = SshPrivateKey.Load(pair.ToOpenSshPrivateKey());
            Assert.Equal("new comment", again.Comment);
        }

        [Fact]
        public void SpanPassphraseOverloadMatchesStringOverload()
        {
            using SshKeyPair pair = SshKeyGenerator.Generate(SshKeyType.Ed25519, 0, "c", CancellationToken.None);
            char[] pass = "pässwörd €".ToCharArray();
            byte[] bytes = pair.ToOpenSshPrivateKeyBytes(pass);
            using SshKeyPair fromBytes = SshPrivateKey.Load(bytes, pass);
            Assert.Equal(pair.PublicKeyLine, fromBytes.PublicKeyLine);
            using var dir = new TempDir();
            string file = dir.File0600("k", Encoding.ASCII.GetString(bytes));
            Assert.Equal(0, SshKeygen.Run("-y", "-P", "pässwörd €", "-f", file).ExitCode);
        }

        private static void AssertSshNetKey(SshKeyPair pair, PrivateKeyFile source)
        {
            Assert.Equal(SshPublicKey.GetAlgorithmName(pair.Type), source.Key.ToString());
            Assert.Contains(source.HostKeyAlgorithms, a => a.Data.AsSpan().SequenceEqual(pair.PublicKeyBlob));
        }
    }
}
