// Over 450 lines: not yet split by responsibility. The split is the structure step (issue 12); see
// docs/ARCHITECTURE.md, "Known structural debt", for what goes where.
using System;
using System.IO;
using System.Text;
using System.Threading;
using PfaAzureDevOps.Core.Errors;
using PfaAzureDevOps.Core.Storage;

namespace PfaAzureDevOps.Core.Ssh
{
    /// <summary>The current user's SSH key as stored (ssh/key.json). The private key itself lives in the vault.</summary>
    public sealed class StoredSshKey : StoredDocument
    {
        public const string DocumentKind = "pfa.azuredevops.sshkey";
        public const int CurrentVersion = 1;
        public const string FileName = "ssh/key.json";

        public StoredSshKey()
        {
            Kind = DocumentKind;
            SchemaVersion = CurrentVersion;
        }

        public SshKeyType Type { get; set; }

        public int Bits { get; set; }

        public string Comment { get; set; } = string.Empty;

        /// <summary>The OpenSSH public key line.</summary>
        public string PublicKey { get; set; } = string.Empty;

        public string Sha256Fingerprint { get; set; } = string.Empty;

        public string Md5Fingerprint { get; set; } = string.Empty;

        public DateTimeOffset CreatedOn { get; set; }

        /// <summary>The name of the private key in the vault.</summary>
        public string SecretName { get; set; } = string.Empty;

        /// <summary>The parsed public key (checked by <see cref="Validate"/>).</summary>
        public SshPublicKey ParsePublicKey() => SshPublicKey.Parse(PublicKey);

        public override void Validate()
        {
            if (string.IsNullOrWhiteSpace(SecretName))
            {
                throw new FormatException("it does not name the private key's secret");
            }

            StoredRules.RequireSecretName(SecretName, "private key");
            if (!Enum.IsDefined(typeof(SshKeyType), Type))
            {
                throw new FormatException("its key type is not one this version knows");
            }

            SshPublicKey key;
            try
            {
                key = SshPublicKey.Parse(PublicKey);
            }
            catch (PfaException ex)
            {
                throw new FormatException("its public key is not valid (" + ex.Message + ")");
            }

            if (key.KeyType != Type || key.Bits != Bits)
            {
                throw new FormatException("its key type or size does not match its public key");
            }

            if (!string.Equals(key.Sha256Fingerprint, Sha256Fingerprint, StringComparison.Ordinal))
            {
                throw new FormatException("its fingerprint does not match its public key");
            }
        }
    }

    /// <summary>
    /// Keeps the current user's SSH key pair: the public part in a state document, the private key (openssh-key-v1 text)
    /// in the user's secret vault under a versioned name. Changes run under the <c>sshkey</c> lock: the new secret is
    /// written first, then the document, then the old secret is deleted, so a failure leaves the previous key working.
    /// </summary>
    public sealed class SshKeyStore
    {
        public const string LockName = "sshkey";

        public SshKeyStore()
            : this(new StateStore(StateScope.CurrentUser))
        {
        }

        public SshKeyStore(StateStore store)
        {
            Store = store;
            Vault = new SecretVault(store);
        }

        public StateStore Store { get; }

        public SecretVault Vault { get; }

        public string DocumentPath => Store.GetPath(StoredSshKey.FileName);

        /// <summary>The <c>user@machine</c> comment new keys get by default.</summary>
        public static string DefaultComment
        {
            get
            {
                string user = Environment.UserName;
                string machine = Environment.MachineName;
                return (user.Length == 0 ? "user" : user) + "@" + (machine.Length == 0 ? "localhost" : machine);
            }
        }

        /// <summary>The stored key, or null when there is none. A corrupt document throws StoreFileCorrupt.</summary>
        public StoredSshKey? Get()
        {
            try
            {
                return Store.Read<StoredSshKey>(StoredSshKey.FileName, StoredSshKey.DocumentKind, StoredSshKey.CurrentVersion);
            }
            catch (PfaException ex) when (ex.ErrorId == ErrorIds.StoreFileCorrupt)
            {
                // Same id; the way out named for this file (the store's generic text names the registration's).
                const string kept = "It was left as it is.";
                int end = ex.Message.IndexOf(kept, StringComparison.Ordinal);
                string head = end >= 0 ? ex.Message.Substring(0, end + kept.Length) : ex.Message;
                throw new PfaException(
                    ex.ErrorId,
                    ex.Kind,
                    head + " Inspect it, or run Remove-PfaSshKey -Force to move it aside (it is renamed, not deleted) and New-PfaSshKey to start over.",
                    ex.Target,
                    ex) { RecommendedAction = "Remove-PfaSshKey -Force; New-PfaSshKey" };
            }
        }

        /// <summary>The stored key, or the SshKeyNotFound error.</summary>
        public StoredSshKey GetRequired() => Get() ?? throw NotFound();

        /// <summary>
        /// Fails with SshKeyExists when a key is stored and <paramref name="force"/> is not set. Cheap; callers use it
        /// before generating a key so the refusal is immediate.
        /// </summary>
        public StoredSshKey? CheckCanCreate(bool force)
        {
            StoredSshKey? existing = Get();
            if (existing != null && !force)
            {
                throw Exists(existing);
            }

            return existing;
        }

        /// <summary>
        /// Generates and stores a new key pair. <paramref name="bits"/> 0 means the type's default. Refuses to replace a
        /// stored key unless <paramref name="force"/>; the replaced key's secret is deleted.
        /// </summary>
        public StoredSshKey Create(SshKeyType type, int bits, string? comment, bool force, DateTimeOffset now, CancellationToken cancellationToken)
        {
            CheckCanCreate(force);
            string checkedComment = comment ?? DefaultComment;
            using (SshKeyPair pair = SshKeyGenerator.Generate(type, bits, checkedComment, cancellationToken))
            {
                cancellationToken.ThrowIfCancellationRequested();
                return Save(pair, force, now, cancellationToken);
            }
        }

        /// <summary>Stores an existing key pair (generated by the caller) as the user's key.</summary>
        public StoredSshKey Save(SshKeyPair pair, bool force, DateTimeOffset now, CancellationToken cancellationToken)
        {
            using (Store.Lock(LockName, cancellationToken: cancellationToken))
            {
                StoredSshKey? existing = CheckCanCreate(force);
                cancellationToken.ThrowIfCancellationRequested();
                var document = WriteNewKey(pair, now);

                try
                {
                    Store.Write(StoredSshKey.FileName, document, ownerOnly: false);
                }
                catch
                {
                    Vault.Delete(document.SecretName);
                    throw;
                }

                if (existing != null && existing.SecretName != document.SecretName)
                {
                    Vault.Delete(existing.SecretName);
                }

                return document;
            }
        }

        /// <summary>Writes a key pair's private key to the vault under a new name; returns the document that names it.</summary>
        private StoredSshKey WriteNewKey(SshKeyPair pair, DateTimeOffset now)
        {
            var document = new StoredSshKey
            {
                Type = pair.Type,
                Bits = pair.Bits,
                Comment = pair.Comment,
                PublicKey = pair.PublicKeyLine,
                Sha256Fingerprint = pair.Sha256Fingerprint,
                Md5Fingerprint = pair.Md5Fingerprint,
                CreatedOn = now,
                SecretName = NewSecretName(),
            };

            byte[] privateKey = pair.ToOpenSshPrivateKeyBytes();
            try
            {
                Vault.Write(document.SecretName, privateKey);
            }
            finally
            {
                Array.Clear(privateKey, 0, privateKey.Length);
            }

            return document;
        }

        /// <summary>
        /// Keeps a key pair's private key in the vault under a new name without making it the user's key (a rotation's
        /// next key). Returns its document, which <see cref="Promote"/> later makes the stored one.
        /// </summary>
        public StoredSshKey SavePending(SshKeyPair pair, DateTimeOffset now) => WriteNewKey(pair, now);

        /// <summary>
        /// Makes <paramref name="next"/> (from <see cref="SavePending"/>) the user's key, in one atomic replace, when the
        /// stored key is still <paramref name="expectedSha256"/>; already promoted is fine. The previous key's secret is
        /// kept: the caller deletes it once nothing needs it. Returns false when the stored key is neither.
        /// </summary>
        public bool Promote(StoredSshKey next, string expectedSha256)
        {
            using (Store.Lock(LockName))
            {
                StoredSshKey? current = Get();
                if (current != null && current.Sha256Fingerprint == next.Sha256Fingerprint)
                {
                    return true;
                }

                if (current is null || current.Sha256Fingerprint != expectedSha256)
                {
                    return false;
                }

                Store.Write(StoredSshKey.FileName, next, ownerOnly: false);
                return true;
            }
        }

        /// <summary>
        /// Removes the key and its private key. With <paramref name="force"/>, an unreadable document is moved aside
        /// (never deleted) and null is returned.
        /// </summary>
        public StoredSshKey? Remove(bool force)
        {
            using (Store.Lock(LockName))
            {
                StoredSshKey? existing;
                try
                {
                    existing = Get();
                }
                catch (PfaException ex) when (force && StateStore.IsUnreadable(ex))
                {
                    Store.MoveAside(StoredSshKey.FileName);
                    return null;
                }

                if (existing is null)
                {
                    throw NotFound();
                }

                Store.Delete(StoredSshKey.FileName);
                Vault.Delete(existing.SecretName);
                return existing;
            }
        }

        /// <summary>The stored key pair with its private key. Dispose it after use.</summary>
        public SshKeyPair LoadPrivateKey()
        {
            StoredSshKey document = GetRequired();
            return LoadCurrentPrivateKey(ref document);
        }

        /// <summary>
        /// Loads the private key of <paramref name="document"/>; when its secret is gone because another process replaced the
        /// key meanwhile (New-PfaSshKey -Force), reads the document again and loads the new key, which <paramref name="document"/> then names.
        /// </summary>
        public SshKeyPair LoadCurrentPrivateKey(ref StoredSshKey document)
        {
            for (int attempt = 0; ; attempt++)
            {
                try
                {
                    return LoadPrivateKey(document);
                }
                catch (PfaException ex) when (ex.ErrorId == ErrorIds.SshKeyPrivateKeyMissing && attempt < 3)
                {
                    StoredSshKey? current = Get();
                    if (current is null || string.Equals(current.SecretName, document.SecretName, StringComparison.Ordinal))
                    {
                        throw;
                    }

                    document = current;
                }
            }
        }

        public SshKeyPair LoadPrivateKey(StoredSshKey document)
        {
            byte[] text = ReadPrivateKeyBytes(document);
            try
            {
                SshKeyPair pair;
                try
                {
                    pair = SshPrivateKey.Load(text, ReadOnlySpan<char>.Empty);
                }
                catch (PfaException ex)
                {
                    throw Corrupt(ex);
                }

                if (!pair.PublicKey.SameKeyAs(document.ParsePublicKey()))
                {
                    pair.Dispose();
                    throw Corrupt(null);
                }

                return pair;
            }
            finally
            {
                Array.Clear(text, 0, text.Length);
            }
        }

        /// <summary>
        /// The private key as unencrypted openssh-key-v1 text, for the git transport (which takes a string). Checked
        /// against the stored public key first.
        /// </summary>
        public string ReadPrivateKeyText(out StoredSshKey document)
        {
            document = GetRequired();
            using (SshKeyPair pair = LoadCurrentPrivateKey(ref document))
            {
                return pair.ToOpenSshPrivateKey();
            }
        }

        /// <summary>
        /// Writes the key to <paramref name="path"/> (openssh-key-v1, encrypted when a passphrase is given) with owner-only
        /// permissions, and the public key to <paramref name="path"/>.pub. Refuses to overwrite either without force.
        /// </summary>
        /// <summary>True for the current user's ~/.ssh folder (the only folder Export makes by itself).</summary>
        internal static bool IsUserSshFolder(string directory)
        {
            string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            if (string.IsNullOrEmpty(home))
            {
                return false;
            }

            StringComparison comparison = Path.DirectorySeparatorChar == '\\' ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
            return string.Equals(Path.GetFullPath(directory).TrimEnd(Path.DirectorySeparatorChar), Path.Combine(Path.GetFullPath(home), ".ssh").TrimEnd(Path.DirectorySeparatorChar), comparison);
        }

        public SshKeyExport Export(string path, char[]? passphrase, bool force)
        {
            Rules.FileRules.RequireUsablePath(path, "Path");
            StoredSshKey document = GetRequired();
            string privatePath = Path.GetFullPath(path);
            string publicPath = privatePath + ".pub";
            if (Directory.Exists(privatePath) || Directory.Exists(publicPath))
            {
                throw new PfaException(ErrorIds.SshKeyExportFailed, PfaErrorKind.InvalidArgument, $"'{(Directory.Exists(privatePath) ? privatePath : publicPath)}' is a folder. Give the path of the private key file to write, for example ~/.ssh/id_rsa_pfa.", privatePath);
            }

            // Only a regular file (or a link, which the replace swaps for a file) is ever replaced: never a device or a FIFO.
            Rules.FileRules.RequireReplaceable(privatePath, "private key file");
            Rules.FileRules.RequireReplaceable(publicPath, "public key file");

            if (!force)
            {
                foreach (string candidate in new[] { privatePath, publicPath })
                {
                    if (File.Exists(candidate))
                    {
                        throw new PfaException(ErrorIds.SshKeyExportExists, PfaErrorKind.AlreadyExists, $"The file '{candidate}' already exists. Use -Force to overwrite it, or choose another path.", candidate);
                    }
                }
            }

            string? directory = Path.GetDirectoryName(privatePath);
            if (directory != null && !Directory.Exists(directory) && IsUserSshFolder(directory))
            {
                // As ssh-keygen does: the user's ~/.ssh is made when missing, owner-only.
                StateStore.EnsureDirectory(directory, ownerOnly: true);
            }

            if (directory is null || !Directory.Exists(directory))
            {
                throw new PfaException(ErrorIds.SshKeyExportFailed, PfaErrorKind.NotFound, $"The folder '{directory}' does not exist. Create it first (for ~/.ssh with owner-only permissions: mkdir -m 700 ~/.ssh).", directory);
            }

            using (SshKeyPair pair = LoadCurrentPrivateKey(ref document))
            {
                byte[] privateKey = pair.ToOpenSshPrivateKeyBytes(passphrase is null ? ReadOnlySpan<char>.Empty : passphrase.AsSpan());
                try
                {
                    WriteReplacing(privatePath, privateKey, ownerOnly: true);
                }
                finally
                {
                    Array.Clear(privateKey, 0, privateKey.Length);
                }

                WriteReplacing(publicPath, Encoding.ASCII.GetBytes(pair.PublicKeyLine + "\n"), ownerOnly: false);
                return new SshKeyExport(document, privatePath, publicPath, passphrase != null && passphrase.Length > 0);
            }
        }

        public PfaException NotFound() => new PfaException(
            ErrorIds.SshKeyNotFound,
            PfaErrorKind.NotFound,
            "You have no SSH key yet. Run New-PfaSshKey to create one, then Get-PfaSshPublicKey to show the public key to register.",
            DocumentPath);

        private PfaException Exists(StoredSshKey existing) => new PfaException(
            ErrorIds.SshKeyExists,
            PfaErrorKind.AlreadyExists,
            $"You already have an SSH key ({existing.Type} {existing.Bits}, {existing.Sha256Fingerprint}, created {existing.CreatedOn:yyyy-MM-dd}). Use -Force to replace it; the old key then stops working wherever it was registered (Azure DevOps, other git servers), so register the new public key there.",
            DocumentPath);

        private PfaException Corrupt(Exception? inner) => new PfaException(
            ErrorIds.SshKeyPrivateKeyCorrupt,
            PfaErrorKind.InvalidData,
            $"Your stored SSH private key cannot be read or does not match the public key in '{DocumentPath}'. Create a new key with New-PfaSshKey -Force and register its public key again.",
            DocumentPath,
            inner);

        private byte[] ReadPrivateKeyBytes(StoredSshKey document)
        {
            byte[]? bytes = Vault.Read(document.SecretName);
            if (bytes is null)
            {
                throw new PfaException(
                    ErrorIds.SshKeyPrivateKeyMissing,
                    PfaErrorKind.InvalidData,
                    $"The private key of your SSH key ({document.Sha256Fingerprint}) is missing from {Vault.ProtectionDescription}. Create a new key with New-PfaSshKey -Force and register its public key again.",
                    DocumentPath);
            }

            return bytes;
        }

        private static string NewSecretName() => "ssh-private-key-" + Guid.NewGuid().ToString("N").Substring(0, 12);

        /// <summary>Writes a new file created with its final permissions, then moves it over the target.</summary>
        private static void WriteReplacing(string path, byte[] bytes, bool ownerOnly)
        {
            try
            {
                Platform.OwnerOnlyFiles.WriteAtomic(path, bytes, ownerOnly);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new PfaException(ErrorIds.SshKeyExportFailed, ex is UnauthorizedAccessException ? PfaErrorKind.PermissionDenied : PfaErrorKind.ResourceUnavailable, $"The file '{path}' could not be written: {ex.Message}", path, ex);
            }
        }
    }

    /// <summary>What <see cref="SshKeyStore.Export"/> wrote.</summary>
    public sealed class SshKeyExport
    {
        internal SshKeyExport(StoredSshKey key, string privateKeyPath, string publicKeyPath, bool encrypted)
        {
            Key = key;
            PrivateKeyPath = privateKeyPath;
            PublicKeyPath = publicKeyPath;
            Encrypted = encrypted;
        }

        public StoredSshKey Key { get; }

        public string PrivateKeyPath { get; }

        public string PublicKeyPath { get; }

        public bool Encrypted { get; }
    }
}
