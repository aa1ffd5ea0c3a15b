using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using PfaAzureDevOps.Core.Errors;

namespace PfaAzureDevOps.Core.Rules
{
    /// <summary>What a path names.</summary>
    public enum FileKind
    {
        Missing,
        Regular,
        Directory,
        SymbolicLink,

        /// <summary>A FIFO, a device node, a socket: never read from or written over.</summary>
        Special,
    }

    /// <summary>
    /// The rules for files the module is pointed at: it reads only regular files, of a bounded size, within a bounded
    /// time that Ctrl+C can cut short (a FIFO or a device never makes it hang), and it writes only over a regular
    /// file or where nothing is (never over a device node or a FIFO).
    /// </summary>
    public static class FileRules
    {

        /// <summary>The longest a file read may take before it is given up.</summary>
        public static TimeSpan ReadTimeout { get; set; } = TimeSpan.FromSeconds(10);

        /// <summary>What <paramref name="path"/> is; <paramref name="followLinks"/> false looks at a link itself.</summary>
        public static FileKind GetKind(string path, bool followLinks = true)
        {
            try
            {
                return Kind(path, followLinks);
            }
            catch (Exception ex) when (ex is IOException || ex is ArgumentException || ex is NotSupportedException || ex is UnauthorizedAccessException)
            {
                // A path too long, with a character the platform refuses, or on a device that cannot be asked.
                throw new PfaException(ErrorIds.InvalidPath, PfaErrorKind.InvalidArgument, $"The path '{Shorten(path)}' cannot be used: {ex.Message.TrimEnd('.')}. Give a shorter path of an ordinary file.", Shorten(path), ex);
            }
        }

        private static string Shorten(string path) => path.Length > 120 ? path.Substring(0, 60) + "..." + path.Substring(path.Length - 40) : path;

        private static FileKind Kind(string path, bool followLinks)
        {
#if NET
            if (!OperatingSystem.IsWindows())
            {
                int mode = UnixMode(path, followLinks);
                if (mode >= 0)
                {
                    switch (mode & 0xF000)
                    {
                        case 0x8000: return FileKind.Regular;
                        case 0x4000: return FileKind.Directory;
                        case 0xA000: return FileKind.SymbolicLink;
                        default: return FileKind.Special;
                    }
                }

                if (mode == -2)
                {
                    return FileKind.Missing;
                }
            }
#endif
            var info = new FileInfo(path);
            if (!followLinks && (info.Attributes & FileAttributes.ReparsePoint) != 0 && ((int)info.Attributes != -1))
            {
                return FileKind.SymbolicLink;
            }

            if (Directory.Exists(path))
            {
                return FileKind.Directory;
            }

            return File.Exists(path) ? FileKind.Regular : FileKind.Missing;
        }

        /// <summary>Refuses a blank path, or one whose file name is blank or has leading or trailing white space.</summary>
        public static void RequireUsablePath(string? path, string parameter)
        {
            foreach (char c in path ?? string.Empty)
            {
                if (char.IsControl(c))
                {
                    throw new PfaException(ErrorIds.InvalidPath, PfaErrorKind.InvalidArgument, $"-{parameter} contains a control character (such as a line break or NUL), which is almost always a mistake in a script. Give the path of the file, for example ~/.ssh/id_rsa_pfa.", parameter);
                }
            }

            string name = path is null ? string.Empty : Path.GetFileName(path.TrimEnd('/', '\\'));
            if (string.IsNullOrWhiteSpace(path) || string.IsNullOrWhiteSpace(name) || name.Trim().Length != name.Length)
            {
                throw new PfaException(
                    ErrorIds.InvalidPath,
                    PfaErrorKind.InvalidArgument,
                    $"-{parameter} '{path}' is blank or has a file name that starts or ends with white space, which is almost always a mistake in a script. Give the path of the file, for example ~/.ssh/id_rsa_pfa.",
                    path);
            }
        }

        /// <summary>Throws unless <paramref name="path"/> is a regular file (after links): missing gives <paramref name="notFoundId"/>.</summary>
        public static void RequireRegularFile(string path, string what, string notFoundId)
        {
            switch (GetKind(path))
            {
                case FileKind.Regular:
                    return;
                case FileKind.Missing:
                    throw new PfaException(notFoundId, PfaErrorKind.NotFound, $"The {what} '{path}' does not exist. Check the path.", path);
                case FileKind.Directory:
                    throw new PfaException(ErrorIds.PathIsFolder, PfaErrorKind.InvalidArgument, $"'{path}' is a folder, not a {what}. Give the path of the file itself.", path);
                default:
                    throw new PfaException(ErrorIds.NotARegularFile, PfaErrorKind.InvalidArgument, $"'{path}' is not a regular file (it is a device, a FIFO or a socket), so it is not read as a {what}. Give the path of an ordinary file.", path);
            }
        }

        /// <summary>Throws unless <paramref name="path"/> is absent, a regular file, or a link (which a replace swaps for a file, leaving its target alone).</summary>
        public static void RequireReplaceable(string path, string what)
        {
            switch (GetKind(path, followLinks: false))
            {
                case FileKind.Missing:
                case FileKind.Regular:
                case FileKind.SymbolicLink:
                    return;
                case FileKind.Directory:
                    throw new PfaException(ErrorIds.PathIsFolder, PfaErrorKind.InvalidArgument, $"'{path}' is a folder. Give the path of the {what} to write.", path);
                default:
                    throw new PfaException(ErrorIds.NotARegularFile, PfaErrorKind.InvalidArgument, $"'{path}' is not a regular file (it is a device, a FIFO or a socket), so it is not replaced by the {what}, even with -Force. Give the path of an ordinary file, or of one that does not exist yet.", path);
            }
        }

        /// <summary>
        /// Reads a regular file of at most <paramref name="maxBytes"/>, giving up after <see cref="ReadTimeout"/> or on
        /// <paramref name="cancellationToken"/> (a file swapped for a FIFO after the check cannot hang the caller).
        /// </summary>
        public static byte[] ReadBounded(string path, long maxBytes, string what, string notFoundId, CancellationToken cancellationToken = default)
        {
            RequireRegularFile(path, what, notFoundId);
            Task<byte[]> read = Task.Run(() => ReadAll(path, maxBytes, what));
            try
            {
                if (!read.Wait((int)ReadTimeout.TotalMilliseconds, cancellationToken))
                {
                    Observe(read);
                    throw new PfaException(ErrorIds.FileReadTimeout, PfaErrorKind.OperationTimeout, $"Reading the {what} '{path}' took more than {ReadTimeout.TotalSeconds:0} seconds, so it was given up. Check that it is an ordinary local file.", path);
                }
            }
            catch (OperationCanceledException)
            {
                Observe(read);
                throw;
            }
            catch (AggregateException ex) when (ex.InnerException != null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex.InnerException).Throw();
                throw;
            }

            return read.Result;
        }

        /// <summary>Reads a file of the store: a regular file only, of at most <paramref name="maxBytes"/>; null when absent.</summary>
        public static byte[]? ReadStoreFile(string path, long maxBytes)
        {
            FileKind kind = GetKind(path);
            if (kind == FileKind.Missing)
            {
                return null;
            }

            if (kind != FileKind.Regular)
            {
                throw new PfaException(ErrorIds.NotARegularFile, PfaErrorKind.InvalidData, $"The state file '{path}' is not a regular file (a folder, a device, a FIFO or a socket), so it was not read. Move it aside and run the command again.", path);
            }

            return ReadAll(path, maxBytes, "state file");
        }

        private static byte[] ReadAll(string path, long maxBytes, string what)
        {
            using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 4096, FileOptions.SequentialScan))
            using (var buffer = new MemoryStream())
            {
                byte[] chunk = new byte[16 * 1024];
                int read;
                while ((read = stream.Read(chunk, 0, chunk.Length)) > 0)
                {
                    if (buffer.Length + read > maxBytes)
                    {
                        throw new PfaException(ErrorIds.FileTooLarge, PfaErrorKind.LimitsExceeded, $"The {what} '{path}' is larger than {FormatSize(maxBytes)}, far larger than any file of its kind, so it was not read. Check the path.", path);
                    }

                    buffer.Write(chunk, 0, read);
                }

                return buffer.ToArray();
            }
        }

        private static string FormatSize(long bytes) => bytes >= 1024 * 1024 ? (bytes / (1024 * 1024)) + " MB" : (bytes / 1024) + " KB";

        private static void Observe(Task task) => task.ContinueWith(t => _ = t.Exception, TaskScheduler.Default);

#if NET
        /// <summary>The st_mode of a path through .NET's own native shim (SystemNative_Stat/LStat); -2 when missing, -1 when unknown.</summary>
        private static int UnixMode(string path, bool followLinks)
        {
            try
            {
                // The shim's FileStatus starts with int32 Flags, int32 Mode; the buffer leaves room for the rest.
                byte[] status = new byte[512];
                int result = followLinks ? NativeStat(path, status) : NativeLStat(path, status);
                if (result != 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    return errno == 2 || errno == 20 ? -2 : -1;
                }

                return BitConverter.ToInt32(status, 4);
            }
            catch (Exception ex) when (ex is DllNotFoundException || ex is EntryPointNotFoundException)
            {
                return -1;
            }
        }

        [DllImport("libSystem.Native", EntryPoint = "SystemNative_Stat", SetLastError = true)]
        private static extern int NativeStat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, byte[] status);

        [DllImport("libSystem.Native", EntryPoint = "SystemNative_LStat", SetLastError = true)]
        private static extern int NativeLStat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, byte[] status);
#endif
    }
}
