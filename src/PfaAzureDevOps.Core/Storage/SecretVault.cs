using System;
using System.Collections.Concurrent;
using System.IO;
using System.Runtime.InteropServices;
using Microsoft.Identity.Client.Extensions.Msal;
using MsalStorage = Microsoft.Identity.Client.Extensions.Msal.Storage;

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

        public void Write(string name, byte[] secret)
        {
            MsalStorage storage = Open(name);
            try
            {
                storage.WriteData(secret);
            }
            catch (Exception ex) when (ex is MsalCachePersistenceException || ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new PfaException("SecretWriteFailed", PfaErrorKind.ResourceUnavailable, $"The secret '{name}' could not be saved in {ProtectionDescription}: {ex.GetType().Name}. Nothing was changed.", name, ex);
            }

            string file = Path.Combine(Directory, FileName(name));
            if (File.Exists(file))
            {
                StateStore.SetOwnerOnly(file, ownerOnly: true);
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
                throw new PfaException("SecretReadFailed", PfaErrorKind.InvalidData, $"The secret '{name}' could not be read from {ProtectionDescription}. If it was saved by another user account or machine it cannot be decrypted here: store it again.", name, ex);
            }

            return data is null || data.Length == 0 ? null : data;
        }

        public void Delete(string name)
        {
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
