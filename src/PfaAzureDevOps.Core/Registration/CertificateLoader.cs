using System;
using System.IO;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PfaAzureDevOps.Core.Errors;

namespace PfaAzureDevOps.Core.Registration
{
    /// <summary>Loads a service principal's certificate (with its private key) from a file or a certificate store.</summary>
    internal static class CertificateLoader
    {
        public static X509Certificate2 FromFile(string path, char[]? password)
        {
            string full = Path.GetFullPath(path);
            RequireFile(full);

            try
            {
#if NET8_0_OR_GREATER
                string extension = Path.GetExtension(full).ToLowerInvariant();
                if (extension == ".pem" || extension == ".crt" || extension == ".cer")
                {
                    X509Certificate2 pem = password is null || password.Length == 0
                        ? X509Certificate2.CreateFromPemFile(full)
                        : X509Certificate2.CreateFromEncryptedPemFile(full, password);
                    if (OperatingSystem.IsWindows())
                    {
                        // SChannel/CNG need a persisted-in-memory key from a PFX round trip.
                        using (pem)
                        {
                            return new X509Certificate2(pem.Export(X509ContentType.Pkcs12));
                        }
                    }

                    return pem;
                }

                return new X509Certificate2(full, password is null ? null : new string(password), OperatingSystem.IsWindows() ? X509KeyStorageFlags.DefaultKeySet : X509KeyStorageFlags.EphemeralKeySet);
#else
                return new X509Certificate2(full, password is null ? null : new string(password), X509KeyStorageFlags.DefaultKeySet);
#endif
            }
            catch (CryptographicException ex)
            {
                throw new PfaException(ErrorIds.EntraCertificateUnreadable, PfaErrorKind.InvalidData, $"The certificate file '{full}' could not be read: wrong password, or not a PFX/PKCS#12 {(IsNet ? "or PEM " : string.Empty)}file with the certificate and its private key.", full, ex);
            }
        }

        /// <summary>The certificate file must be an existing regular file of a sensible size (never a FIFO or a device).</summary>
        public static void RequireFile(string full)
        {
            Rules.FileRules.RequireRegularFile(full, "certificate file", ErrorIds.EntraCertificateNotFound);
            if (new FileInfo(full).Length > 1024 * 1024)
            {
                throw new PfaException(ErrorIds.FileTooLarge, PfaErrorKind.LimitsExceeded, $"The certificate file '{full}' is larger than 1 MB, far larger than a certificate with its key. Check the path.", full);
            }
        }

        public static X509Certificate2 FromStore(string thumbprint, StoreLocation location)
        {
            string normalized = (thumbprint ?? string.Empty).Replace(" ", string.Empty).Replace(":", string.Empty).ToUpperInvariant();
            using (var store = new X509Store(StoreName.My, location))
            {
                try
                {
                    store.Open(OpenFlags.ReadOnly | OpenFlags.OpenExistingOnly);
                }
                catch (CryptographicException ex)
                {
                    throw new PfaException(ErrorIds.EntraCertificateNotFound, PfaErrorKind.NotFound, $"The certificate store {location}\\My could not be opened.", thumbprint, ex);
                }

                X509Certificate2Collection found = store.Certificates.Find(X509FindType.FindByThumbprint, normalized, validOnly: false);
                if (found.Count == 0)
                {
                    throw new PfaException(ErrorIds.EntraCertificateNotFound, PfaErrorKind.NotFound, $"No certificate with thumbprint {normalized} is in the {location}\\My store.", normalized);
                }

                return found[0];
            }
        }

#if NET8_0_OR_GREATER
        private const bool IsNet = true;
#else
        private const bool IsNet = false;
#endif
    }
}
