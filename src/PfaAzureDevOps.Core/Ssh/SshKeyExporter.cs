using System;
using System.IO;
using System.Text;
using PfaAzureDevOps.Core.Storage;
using PfaAzureDevOps.Core.Errors;

namespace PfaAzureDevOps.Core.Ssh
{
    /// <summary>Export-PfaSshKey's work: the stored key written to files the user names (owner-only private key, .pub beside it).</summary>
    internal static class SshKeyExporter
    {
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

        public static SshKeyExport Export(SshKeyStore store, string path, char[]? passphrase, bool force)
        {
            Rules.FileRules.RequireUsablePath(path, "Path");
            StoredSshKey document = store.GetRequired();
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

            using (SshKeyPair pair = store.LoadCurrentPrivateKey(ref document))
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
}
