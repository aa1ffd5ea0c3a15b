using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using PfaAzureDevOps.Core;
using PfaAzureDevOps.Core.Errors;
using PfaAzureDevOps.Core.Ssh;
using PfaAzureDevOps.Core.Storage;
using Xunit;

namespace PfaAzureDevOps.Core.Tests.Ssh
{
    public sealed class SshKeyStoreTests : IDisposable
    {
        private readonly string _root = Path.Combine(Path.GetTempPath(), "pfa-xunit-sshkey-" + Guid.NewGuid().ToString("N"));

        public void Dispose()
        {
            if (Directory.Exists(_root))
            {
                Directory.Delete(_root, recursive: true);
            }
        }

        private SshKeyStore Keys() => new SshKeyStore(new StateStore(StateScope.CurrentUser, Path.Combine(_root, "state")));

        private string[] Secrets(SshKeyStore keys) =>
            Directory.Exists(keys.Vault.Directory)
                ? Directory.GetFiles(keys.Vault.Directory, "ssh-private-key-*").Select(f => Path.GetFileName(f)!).ToArray()
                : Array.Empty<string>();

        [Fact]
        public void CreateStoresTheDocumentAndThePrivateKeyThatMatchesIt()
        {
            SshKeyStore keys = Keys();
            Assert.Null(keys.Get());

            StoredSshKey created = keys.Create(SshKeyType.Ed25519, 0, "tester@box", force: false, DateTimeOffset.UtcNow, CancellationToken.None);

            StoredSshKey read = keys.GetRequired();
            Assert.Equal(created.PublicKey, read.PublicKey);
            Assert.Equal(SshKeyType.Ed25519, read.Type);
            Assert.Equal(256, read.Bits);
            Assert.Equal("tester@box", read.Comment);
            Assert.StartsWith("ssh-ed25519 AAAA", read.PublicKey);
            Assert.EndsWith(" tester@box", read.PublicKey);
            using (SshKeyPair pair = keys.LoadPrivateKey())
            {
                Assert.Equal(read.PublicKey, pair.PublicKeyLine);
                Assert.Equal(read.Sha256Fingerprint, pair.Sha256Fingerprint);
                Assert.Equal(read.Md5Fingerprint, pair.Md5Fingerprint);
            }

            string text = keys.ReadPrivateKeyText(out StoredSshKey document);
            Assert.StartsWith("-----BEGIN OPENSSH PRIVATE KEY-----", text);
            Assert.Equal(read.SecretName, document.SecretName);
            Assert.Single(Secrets(keys));
        }

        [Fact]
        public void CreateWithoutForceRefusesAndKeepsTheKey_ForceReplacesItAndItsSecret()
        {
            SshKeyStore keys = Keys();
            StoredSshKey first = keys.Create(SshKeyType.Ed25519, 0, "first", false, DateTimeOffset.UtcNow, CancellationToken.None);
            string firstSecret = Secrets(keys).Single();

            PfaException refused = Assert.Throws<PfaException>(() => keys.Create(SshKeyType.Ed25519, 0, "second", false, DateTimeOffset.UtcNow, CancellationToken.None));
            Assert.Equal(ErrorIds.SshKeyExists, refused.ErrorId);
            Assert.Contains("-Force", refused.Message);
            Assert.Contains("stops working", refused.Message);
            Assert.Equal(first.PublicKey, keys.GetRequired().PublicKey);

            StoredSshKey second = keys.Create(SshKeyType.EcdsaP256, 0, "second", true, DateTimeOffset.UtcNow, CancellationToken.None);
            Assert.NotEqual(first.PublicKey, second.PublicKey);
            Assert.Equal(second.PublicKey, keys.GetRequired().PublicKey);
            string secondSecret = Secrets(keys).Single();
            Assert.NotEqual(firstSecret, secondSecret);
        }

        [Fact]
        public void APendingKeyIsKeptAsideUntilPromoted_PromoteOnlyReplacesTheExpectedKeyAndKeepsTheOldSecret()
        {
            SshKeyStore keys = Keys();
            StoredSshKey old = keys.Create(SshKeyType.Ed25519, 0, "old", false, DateTimeOffset.UtcNow, CancellationToken.None);
            StoredSshKey next;
            using (SshKeyPair pair = SshKeyGenerator.Generate(SshKeyType.Ed25519, 0, "next", CancellationToken.None))
            {
                next = keys.SavePending(pair, DateTimeOffset.UtcNow);
            }

            // Kept aside: the stored key is still the old one, both private keys are in the vault and the pending one loads.
            Assert.Equal(old.Sha256Fingerprint, keys.GetRequired().Sha256Fingerprint);
            Assert.Equal(2, Secrets(keys).Length);
            using (SshKeyPair loaded = keys.LoadPrivateKey(next))
            {
                Assert.Equal(next.Sha256Fingerprint, loaded.Sha256Fingerprint);
            }

            // Only when the stored key is the one expected (not a key made by other means meanwhile).
            Assert.False(keys.Promote(next, "SHA256:not-the-stored-key"));
            Assert.Equal(old.Sha256Fingerprint, keys.GetRequired().Sha256Fingerprint);

            Assert.True(keys.Promote(next, old.Sha256Fingerprint));
            Assert.Equal(next.Sha256Fingerprint, keys.GetRequired().Sha256Fingerprint);
            Assert.True(keys.Promote(next, old.Sha256Fingerprint), "promoting again (a resumed rotation) is fine");
            Assert.Equal(2, Secrets(keys).Length);
            using (SshKeyPair current = keys.LoadPrivateKey())
            {
                Assert.Equal("next", current.Comment);
            }

            keys.Vault.Delete(old.SecretName);
            Assert.Single(Secrets(keys));
        }

        [Fact]
        public void ACancelledCreateStoresNothing()
        {
            SshKeyStore keys = Keys();
            using (var cancelled = new CancellationTokenSource())
            {
                cancelled.Cancel();
                Assert.ThrowsAny<OperationCanceledException>(() => keys.Create(SshKeyType.Ed25519, 0, "x", false, DateTimeOffset.UtcNow, cancelled.Token));
            }

            Assert.Null(keys.Get());
            Assert.Empty(Secrets(keys));
        }

        [Fact]
        public void RemoveDeletesBothAndNoKeyIsSshKeyNotFound()
        {
            SshKeyStore keys = Keys();
            keys.Create(SshKeyType.Ed25519, 0, "x", false, DateTimeOffset.UtcNow, CancellationToken.None);
            Assert.NotNull(keys.Remove(force: false));
            Assert.Null(keys.Get());
            Assert.Empty(Secrets(keys));
            Assert.Equal(ErrorIds.SshKeyNotFound, Assert.Throws<PfaException>(() => keys.Remove(false)).ErrorId);
            Assert.Equal(ErrorIds.SshKeyNotFound, Assert.Throws<PfaException>(() => keys.LoadPrivateKey()).ErrorId);
        }

        [Fact]
        public void ACorruptDocumentIsReportedAndKept_RemoveForceMovesItAside()
        {
            SshKeyStore keys = Keys();
            Directory.CreateDirectory(Path.GetDirectoryName(keys.DocumentPath)!);
            File.WriteAllText(keys.DocumentPath, "{ not json");

            PfaException corrupt = Assert.Throws<PfaException>(() => keys.Get());
            Assert.Equal("StoreFileCorrupt", corrupt.ErrorId);
            Assert.Contains("Remove-PfaSshKey -Force", corrupt.Message);
            Assert.Equal("StoreFileCorrupt", Assert.Throws<PfaException>(() => keys.Create(SshKeyType.Ed25519, 0, "x", true, DateTimeOffset.UtcNow, CancellationToken.None)).ErrorId);
            Assert.Equal("{ not json", File.ReadAllText(keys.DocumentPath));

            Assert.Null(keys.Remove(force: true));
            Assert.False(File.Exists(keys.DocumentPath));
            Assert.Single(Directory.GetFiles(Path.GetDirectoryName(keys.DocumentPath)!, "key.json.unreadable-*"));
        }

        [Fact]
        public void AMissingOrDamagedPrivateKeyHasItsOwnError()
        {
            SshKeyStore keys = Keys();
            StoredSshKey key = keys.Create(SshKeyType.Ed25519, 0, "x", false, DateTimeOffset.UtcNow, CancellationToken.None);
            if (keys.Vault.IsProtected)
            {
                return; // A keyring holds it: there is no file to damage here.
            }

            string secretFile = Path.Combine(keys.Vault.Directory, key.SecretName + ".bin");
            File.WriteAllText(secretFile, "garbage");
            Assert.Equal(ErrorIds.SshKeyPrivateKeyCorrupt, Assert.Throws<PfaException>(() => keys.LoadPrivateKey()).ErrorId);

            // Another key's private key under this name: also refused (it does not match the public key).
            using (SshKeyPair other = SshKeyGenerator.Generate(SshKeyType.Ed25519, 0, "other", CancellationToken.None))
            {
                File.WriteAllBytes(secretFile, other.ToOpenSshPrivateKeyBytes());
            }

            Assert.Equal(ErrorIds.SshKeyPrivateKeyCorrupt, Assert.Throws<PfaException>(() => keys.LoadPrivateKey()).ErrorId);

            File.Delete(secretFile);
            PfaException missing = Assert.Throws<PfaException>(() => keys.LoadPrivateKey());
            Assert.Equal(ErrorIds.SshKeyPrivateKeyMissing, missing.ErrorId);
            Assert.Contains("New-PfaSshKey -Force", missing.Message);
        }

        [Fact]
        public void ExportWritesAnOwnerOnlyKeyAndThePublicLine_RefusesToOverwriteWithoutForce()
        {
            SshKeyStore keys = Keys();
            StoredSshKey key = keys.Create(SshKeyType.EcdsaP256, 0, "x", false, DateTimeOffset.UtcNow, CancellationToken.None);
            string folder = Path.Combine(_root, "export");
            Directory.CreateDirectory(folder);
            string path = Path.Combine(folder, "id");

            SshKeyExport export = keys.Export(path, "pass phrase".ToCharArray(), force: false);

            Assert.True(export.Encrypted);
            Assert.Equal(key.PublicKey + "\n", File.ReadAllText(path + ".pub"));
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            }

            using (SshKeyPair loaded = SshPrivateKey.FromFile(path, "pass phrase"))
            {
                Assert.Equal(key.Sha256Fingerprint, loaded.Sha256Fingerprint);
            }

            Assert.Equal(ErrorIds.SshKeyExportExists, Assert.Throws<PfaException>(() => keys.Export(path, null, false)).ErrorId);
            keys.Export(path, null, force: true);
            Assert.Contains("BEGIN OPENSSH PRIVATE KEY", File.ReadAllText(path, Encoding.ASCII));
            using (SshKeyPair loaded = SshPrivateKey.FromFile(path))
            {
                Assert.Equal(key.Sha256Fingerprint, loaded.Sha256Fingerprint);
            }

            Assert.Empty(Directory.GetFiles(folder, "*.tmp"));
            Assert.Equal(ErrorIds.SshKeyExportFailed, Assert.Throws<PfaException>(() => keys.Export(Path.Combine(_root, "nope", "id"), null, false)).ErrorId);
        }
    }
}
