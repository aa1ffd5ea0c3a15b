using System;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;

namespace PfaAzureDevOps.Core.Platform
{
    /// <summary>
    /// The one place that makes folders and files private to the current user, replaces files atomically and moves an
    /// unreadable document aside. Unix: folders 0700 (shared ones 0755), files 0600 (shared ones 0644), each created with
    /// its final mode (never widened and narrowed after the fact; the umask can only narrow it, so the mode is set exactly
    /// afterwards). Windows: an owner-only new file gets the protected one-entry ACL of <see cref="WindowsOwnerOnlyFile"/>
    /// at creation; folders keep what they inherit (the user's profile is already private). Failures surface as the
    /// IOException or UnauthorizedAccessException they are: each caller says what it was saving.
    /// </summary>
    internal static class OwnerOnlyFiles
    {
        /// <summary>What a document that could not be read is renamed to: "name.unreadable-yyyyMMddHHmmss".</summary>
        public const string AsideMarker = ".unreadable-";

#if !NET
        private static bool IsWindows => RuntimeInformation.IsOSPlatform(OSPlatform.Windows);

#endif
        /// <summary>Creates <paramref name="directory"/> when missing; when <paramref name="ownerOnly"/>, also narrows an existing one to 0700.</summary>
        public static void EnsureDirectory(string directory, bool ownerOnly)
        {
#if NET
            if (!OperatingSystem.IsWindows())
            {
                if (!Directory.Exists(directory))
                {
                    Directory.CreateDirectory(directory, ownerOnly ? PrivateDirectoryMode : SharedDirectoryMode);
                }
                else if (ownerOnly && File.GetUnixFileMode(directory) != PrivateDirectoryMode)
                {
                    File.SetUnixFileMode(directory, PrivateDirectoryMode);
                }

                return;
            }
#endif
            Directory.CreateDirectory(directory);
        }

        /// <summary>Creates a new folder (it must not exist yet) that only the current user can enter: 0700 on Unix.</summary>
        public static void CreatePrivateDirectory(string directory)
        {
            if (Directory.Exists(directory))
            {
                throw new IOException($"The folder '{directory}' already exists.");
            }

#if NET
            if (!OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(directory, PrivateDirectoryMode);
                File.SetUnixFileMode(directory, PrivateDirectoryMode);
                return;
            }
#endif
            Directory.CreateDirectory(directory);
        }

        /// <summary>Sets a file's mode exactly: 0600 when <paramref name="ownerOnly"/>, else 0644. Nothing on Windows.</summary>
        public static void SetFileMode(string path, bool ownerOnly)
        {
#if NET
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, ownerOnly ? PrivateFileMode : SharedFileMode);
            }
#endif
        }

        /// <summary>Creates <paramref name="path"/> (it must not exist) with its final permissions, open for writing.</summary>
        public static FileStream CreateNew(string path, bool ownerOnly) => Open(path, FileMode.CreateNew, ownerOnly);

        /// <summary>
        /// Opens <paramref name="path"/> for writing with <paramref name="mode"/> (CreateNew, or Create to truncate an existing
        /// file), owner-only or shared. On Windows the owner-only ACL is given to files this call creates (CreateNew).
        /// </summary>
        public static FileStream Open(string path, FileMode mode, bool ownerOnly)
        {
#if NET
            if (!OperatingSystem.IsWindows())
            {
                UnixFileMode unixMode = ownerOnly ? PrivateFileMode : SharedFileMode;
                var stream = new FileStream(path, new FileStreamOptions { Mode = mode, Access = FileAccess.Write, Share = FileShare.None, UnixCreateMode = unixMode });
                // The umask may have narrowed the mode, and an existing file keeps its own: set it exactly.
                File.SetUnixFileMode(path, unixMode);
                return stream;
            }

            if (ownerOnly && mode == FileMode.CreateNew)
            {
                return WindowsOwnerOnlyFile.CreateNew(path);
            }
#else
            if (ownerOnly && mode == FileMode.CreateNew && IsWindows)
            {
                return WindowsOwnerOnlyFile.CreateNew(path);
            }
#endif
            return new FileStream(path, mode, FileAccess.Write, FileShare.None);
        }

        /// <summary>The temporary name an atomic replace writes first: ".name.guid.tmp" beside the target (what StoreSweeper removes when a crash leaves one).</summary>
        public static string TemporaryPathFor(string path) =>
            Path.Combine(Path.GetDirectoryName(path)!, "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N") + ".tmp");

        /// <summary>
        /// Writes <paramref name="bytes"/> to <paramref name="path"/> by atomic replace: a new temporary file created with its
        /// final permissions, flushed to disk, then renamed over the target, so a reader sees the old file or the new one,
        /// never half of one. The folder must exist. On failure the temporary file is removed and the target is untouched.
        /// </summary>
        public static void WriteAtomic(string path, byte[] bytes, bool ownerOnly)
        {
            string temporary = TemporaryPathFor(path);
            try
            {
                using (FileStream stream = CreateNew(temporary, ownerOnly))
                {
                    stream.Write(bytes, 0, bytes.Length);
                    stream.Flush(flushToDisk: true);
                }

                Replace(temporary, path);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                TryDelete(temporary);
                throw;
            }
        }

        /// <summary>Renames <paramref name="source"/> over <paramref name="destination"/> in one step (rename(2) / ReplaceFile).</summary>
        public static void Replace(string source, string destination)
        {
#if NET
            File.Move(source, destination, overwrite: true);
#else
            if (File.Exists(destination))
            {
                File.Replace(source, destination, destinationBackupFileName: null, ignoreMetadataErrors: true);
            }
            else
            {
                File.Move(source, destination);
            }
#endif
        }

        /// <summary>
        /// Renames a document that cannot be read to "name.unreadable-yyyyMMddHHmmss" (UTC; "-2", "-3" ... when that name is
        /// taken) beside it, so nothing is lost and a new one can be written. Returns the new path, or null when
        /// <paramref name="path"/> does not exist.
        /// </summary>
        public static string? MoveAside(string path, DateTime utcNow)
        {
            if (!File.Exists(path))
            {
                return null;
            }

            string stem = path + AsideMarker + utcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
            for (int attempt = 1; ; attempt++)
            {
                string aside = attempt == 1 ? stem : stem + "-" + attempt.ToString(CultureInfo.InvariantCulture);
                if (File.Exists(aside) || Directory.Exists(aside))
                {
                    continue;
                }

                try
                {
                    File.Move(path, aside);
                    return aside;
                }
                catch (IOException) when (attempt < 100 && File.Exists(path) && File.Exists(aside))
                {
                    // Another process took that name meanwhile: try the next one.
                }
            }
        }

        /// <summary>Deletes a file if it can; a failure to delete is ignored (used on clean-up paths).</summary>
        public static void TryDelete(string path)
        {
            try
            {
                File.Delete(path);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
            }
        }

#if NET
        private const UnixFileMode PrivateDirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

        private const UnixFileMode SharedDirectoryMode = PrivateDirectoryMode
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

        private const UnixFileMode PrivateFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

        private const UnixFileMode SharedFileMode = PrivateFileMode | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
#endif
    }
}
