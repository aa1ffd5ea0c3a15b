using System;
using System.Collections.Concurrent;
using System.IO;
using System.Runtime.InteropServices;
using Microsoft.Identity.Client.Extensions.Msal;
using MsalStorage = Microsoft.Identity.Client.Extensions.Msal.Storage;
using PfaAzureDevOps.Core.Errors;

namespace PfaAzureDevOps.Core.Storage
{
    /// <summary>
    /// Secrets of one scope (client secrets, tokens, private keys), protected at rest with the platform's
    /// user-scoped facility through MSAL's cache extension: DPAPI on Windows, the Keychain on macOS, the
    /// Secret Service (libsecret) on Linux. Where no such facility answers (a headless Linux agent), an
    /// owner-only file in an owner-only folder, and <see cref="IsProtected"/> says so; callers warn once.
    /// </summary>
    public sealed class SecretVault
    {
        private const string KeyringSchema = "org.pfa.azuredevops";
        private static readonly ConcurrentDictionary<string, bool> ProtectedByDirectory = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);

        public SecretVault(StateStore store)
        {
            Store = store;
            Directory = Path.Combine(store.Root, "secrets");
        }

        public StateStore Store { get; }

        public string Directory { get; }

        /// <summary>True when secrets are encrypted by the platform; false when they fall back to an owner-only file.</summary>
        public bool IsProtected
        {
            get { return ProtectedByDirectory.GetOrAdd(Directory, _ => Probe()); }
        }

        /// <summary>A sentence for the user about how secrets are kept here.</summary>
        public string ProtectionDescription => IsProtected
            ? (RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "DPAPI (current user)"
                : RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? "the macOS Keychain" : "the Secret Service keyring")
            : "an owner-only file (not encrypted: no keyring in this session)";

        /// <summary>
        /// A secret's name is a plain file name of the vault (letters, digits, '.', '_', '-'; no '..'), so a name read from
        /// a hand-edited document can never reach a file outside the store.
        /// </summary>
        public static bool IsValidName(string? name)
        {
            if (string.IsNullOrEmpty(name) || name!.Length > 128 || name.Contains("..") || !char.IsLetterOrDigit(name[0]))
            {
                return false;
            }

            foreach (char c in name)
            {
                bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
                if (!plain)
                {
                    return false;
                }
            }

            return true;
        }

        internal static string RequireName(string? name)
        {
            if (!IsValidName(name))
            {
                string shown = name is null ? "(none)" : name.Length > 60 ? name.Substring(0, 60) + "..." : name;
                throw new PfaException(ErrorIds.SecretNameInvalid,
                    PfaErrorKind.InvalidData,
                    $"A state document names the secret '{shown}', which is not a plain name inside the store's secrets folder, so it was not read, written or deleted. The document was edited by hand or damaged: restore it, or start over (Disconnect-PfaAzureDevOps, Unregister-PfaAzureDevOpsApp -Force, Remove-PfaSshKey -Force).",
                    shown);
            }

            return name!;
        }

        public void Write(string name, byte[] secret) => Prepare(name).Write(secret);

        /// <summary>
        /// Opens the platform store for one secret ahead of time (loads it, probes it, creates the folder), so that writing
        /// the secret later is a single write: used where a secret must be on disk the moment it arrives (a rotated refresh token).
        /// </summary>
        public PreparedSecret Prepare(string name)
        {
            MsalStorage storage = Open(name);
            FileStream? file = null;
#if NET
            if (!IsProtected && !OperatingSystem.IsWindows())
            {
                // The owner-only file fallback holds the bytes as they are: open the file now (0600, empty until written;
                // an empty secret reads as none), so the write later is one write(2) with nothing to load or JIT first.
                string path = Path.Combine(Directory, FileName(name));
                file = Platform.OwnerOnlyFiles.Open(path, FileMode.Create, ownerOnly: true);
            }
#endif
            return new PreparedSecret(this, name, storage, file);
        }

        /// <summary>A secret's storage, opened; <see cref="Write"/> saves it.</summary>
        public sealed class PreparedSecret : IDisposable
        {
            private readonly SecretVault _vault;
            private readonly MsalStorage _storage;

            private FileStream? _file;

            internal PreparedSecret(SecretVault vault, string name, MsalStorage storage, FileStream? file = null)
            {
                _vault = vault;
                Name = name;
                _storage = storage;
                _file = file;
            }

            public string Name { get; }

            /// <summary>Closes the file opened ahead of time if nothing was written (it stays empty: no secret).</summary>
            public void Dispose()
            {
                _file?.Dispose();
                _file = null;
            }

            public void Write(byte[] secret)
            {
                try
                {
                    if (_file != null)
                    {
                        FileStream handle = _file;
                        _file = null;
                        using (handle)
                        {
                            handle.Write(secret, 0, secret.Length);
                            handle.Flush(flushToDisk: true);
                        }

                        return;
                    }

                    _storage.WriteData(secret);
                }
                catch (Exception ex) when (ex is MsalCachePersistenceException || ex is IOException || ex is UnauthorizedAccessException)
                {
                    throw new PfaException(ErrorIds.SecretWriteFailed, PfaErrorKind.ResourceUnavailable, $"The secret '{Name}' could not be saved in {_vault.ProtectionDescription}: {ex.GetType().Name}. Nothing was changed.", Name, ex);
                }

                string file = Path.Combine(_vault.Directory, FileName(Name));
                if (File.Exists(file))
                {
                    Platform.OwnerOnlyFiles.SetFileMode(file, ownerOnly: true);
                }
            }
        }

        /// <summary>Returns the secret, or null when none is stored under that name.</summary>
        public byte[]? Read(string name)
        {
            MsalStorage storage = Open(name);
            byte[] data;
            try
            {
                data = storage.ReadData();
            }
            catch (Exception ex) when (ex is MsalCachePersistenceException || ex is IOException || ex is UnauthorizedAccessException || ex is System.Security.Cryptography.CryptographicException)
            {
                throw new PfaException(ErrorIds.SecretReadFailed, PfaErrorKind.InvalidData, $"The secret '{name}' could not be read from {ProtectionDescription}. If it was saved by another user account or machine it cannot be decrypted here: store it again.", name, ex);
            }

            return data is null || data.Length == 0 ? null : data;
        }

        public void Delete(string name)
        {
            RequireName(name);
            Open(name).Clear(ignoreExceptions: true);
            string file = Path.Combine(Directory, FileName(name));
            if (File.Exists(file))
            {
                File.Delete(file);
            }
        }

        private static string FileName(string name) => name + ".bin";

        private MsalStorage Open(string name)
        {
            RequireName(name);
            StateStore.EnsureDirectory(Directory, ownerOnly: true);
            return MsalStorage.Create(Properties(name, IsProtected));
        }

        private StorageCreationProperties Properties(string name, bool platformProtection)
        {
            var builder = new StorageCreationPropertiesBuilder(FileName(name), Directory);
            if (!platformProtection)
            {
                return builder.WithLinuxUnprotectedFile().WithMacKeyChain("PfaAzureDevOps", Store.Scope + "/" + name).Build();
            }

            return builder
                .WithMacKeyChain("PfaAzureDevOps", Store.Scope + "/" + name)
                .WithLinuxKeyring(
                    KeyringSchema,
                    MsalCacheHelper.LinuxKeyRingDefaultCollection,
                    "PfaAzureDevOps " + name,
                    new System.Collections.Generic.KeyValuePair<string, string>("PfaAzureDevOps.Store", Directory),
                    new System.Collections.Generic.KeyValuePair<string, string>("PfaAzureDevOps.Secret", name))
                .Build();
        }

        private bool Probe()
        {
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
            {
                return true;
            }

            try
            {
                MsalStorage.Create(Properties("probe", platformProtection: true)).VerifyPersistence();
                return true;
            }
            catch (Exception ex) when (ex is MsalCachePersistenceException || ex is DllNotFoundException || ex is EntryPointNotFoundException || ex is TypeInitializationException)
            {
                return false;
            }
        }
    }
}

namespace PfaAzureDevOps.Core.Storage
{
}
