using System;
using System.Collections.Concurrent;
using System.IO;
using Microsoft.Identity.Client.Extensions.Msal;
using MsalStorage = Microsoft.Identity.Client.Extensions.Msal.Storage;
using PfaAzureDevOps.Core.Errors;

namespace PfaAzureDevOps.Core.Storage
{
    /// <summary>Fast reads of secrets kept in the vault's owner-only file fallback, without starting the platform store.</summary>
    public static class SecretVaultFiles
    {
        /// <summary>
        /// Reads a secret the vault wrote while it fell back to an owner-only file (the file holds the bytes as
        /// they are). Only valid for secrets recorded as written in that mode; returns null when the file is gone.
        /// </summary>
        public static byte[]? ReadUnprotected(SecretVault vault, string name)
        {
            SecretVault.RequireName(name);
            string path = Path.Combine(vault.Directory, name + ".bin");
            try
            {
                byte[]? data = Rules.FileRules.ReadStoreFile(path, 16L * 1024 * 1024);
                return data is null || data.Length == 0 ? null : data;
            }
            catch (FileNotFoundException)
            {
                return null;
            }
            catch (DirectoryNotFoundException)
            {
                return null;
            }
            catch (UnauthorizedAccessException ex)
            {
                throw StateStore.AccessDenied(path, ex);
            }
            catch (IOException ex)
            {
                throw new PfaException(ErrorIds.SecretReadFailed, PfaErrorKind.InvalidData, $"The secret '{name}' could not be read: {ex.Message}", name, ex);
            }
        }
    }
}
