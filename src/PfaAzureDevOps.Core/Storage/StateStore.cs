using System;
using System.IO;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading;
using PfaAzureDevOps.Core.Errors;

namespace PfaAzureDevOps.Core.Storage
{
    /// <summary>
    /// The files of one scope: versioned JSON documents written by atomic replace, guarded by cross-process
    /// locks, and owner-only where they hold anything private. A document that cannot be read (corrupt, or of
    /// a version this build does not know) is reported with its path and never overwritten.
    /// </summary>
    public sealed class StateStore
    {
        internal static readonly JsonSerializerOptions JsonOptions = CreateJsonOptions();
        private static readonly TimeSpan DefaultLockTimeout = TimeSpan.FromSeconds(30);

        /// <summary>The largest state document read (they are a few kilobytes).</summary>
        public const long MaxDocumentBytes = 1024 * 1024;

        public StateStore(StateScope scope)
            : this(scope, StateLocation.GetRoot(scope))
        {
        }

        public StateStore(StateScope scope, string root)
        {
            Scope = scope;
            Root = root;
        }

        public StateScope Scope { get; }

        public string Root { get; }

        public string GetPath(string relativePath) => Path.Combine(Root, relativePath);

        /// <summary>Takes the named cross-process lock of this scope; dispose to release.</summary>
        public IDisposable Lock(string name, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        {
            string directory = Path.Combine(Root, ".locks");
            EnsureDirectory(directory, ownerOnly: false);
            string path = Path.Combine(directory, name + ".lock");
            TimeSpan limit = timeout ?? DefaultLockTimeout;
            DateTime deadline = DateTime.UtcNow + limit;
            int delay = 5;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                try
                {
                    var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
                    return stream;
                }
                catch (IOException ex) when (!IsLockContention(ex))
                {
                    // A read-only file system, a full disk: waiting would not help, so say so at once.
                    throw WriteFailed(path, ex);
                }
                catch (IOException) when (DateTime.UtcNow < deadline)
                {
                    if (cancellationToken.WaitHandle.WaitOne(delay))
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                    }

                    delay = Math.Min(delay * 2, 100);
                }
                catch (IOException ex)
                {
                    throw new PfaException(
                        ErrorIds.StoreLockTimeout,
                        PfaErrorKind.ResourceUnavailable,
                        $"Another process held the lock '{path}' for more than {limit.TotalSeconds:0} seconds. Wait for it to finish and try again; if no other PfaAzureDevOps command is running, delete the lock file.",
                        path,
                        ex);
                }
                catch (UnauthorizedAccessException ex)
                {
                    throw AccessDenied(path, ex);
                }
            }
        }

        /// <summary>Reads a document, or returns null when the file does not exist.</summary>
        public T? Read<T>(string relativePath, string kind, int supportedVersion)
            where T : StoredDocument
        {
            string path = GetPath(relativePath);
            byte[] bytes;
            try
            {
                byte[]? read = Rules.FileRules.ReadStoreFile(path, MaxDocumentBytes);
                if (read is null)
                {
                    return null;
                }

                bytes = read;
            }
            catch (PfaException ex) when (ex.ErrorId == ErrorIds.FileTooLarge || ex.ErrorId == ErrorIds.NotARegularFile)
            {
                throw Corrupt(path, ex.ErrorId == ErrorIds.FileTooLarge ? "it is larger than 1 MB" : "it is not a regular file", ex);
            }
            catch (UnauthorizedAccessException ex)
            {
                throw AccessDenied(path, ex);
            }
            catch (IOException ex)
            {
                throw new PfaException(ErrorIds.StoreReadFailed, PfaErrorKind.ResourceUnavailable, $"The state file '{path}' could not be read: {ex.Message}", path, ex);
            }

            T? document;
            try
            {
                using (JsonDocument json = JsonDocument.Parse(bytes))
                {
                    JsonElement rootElement = json.RootElement;
                    if (rootElement.ValueKind != JsonValueKind.Object
                        || !rootElement.TryGetProperty("kind", out JsonElement kindElement)
                        || kindElement.ValueKind != JsonValueKind.String
                        || !rootElement.TryGetProperty("schemaVersion", out JsonElement versionElement)
                        || versionElement.ValueKind != JsonValueKind.Number)
                    {
                        throw Corrupt(path, "it is not a PfaAzureDevOps state document", null);
                    }

                    if (!string.Equals(kindElement.GetString(), kind, StringComparison.Ordinal))
                    {
                        throw Corrupt(path, $"it holds '{kindElement.GetString()}', not '{kind}'", null);
                    }

                    if (!versionElement.TryGetInt32(out int version))
                    {
                        throw Corrupt(path, $"its schemaVersion '{ClipValue(versionElement.GetRawText())}' is not a whole number", null);
                    }

                    if (version > supportedVersion || version < 1)
                    {
                        throw new PfaException(
                            ErrorIds.StoreVersionUnsupported,
                            PfaErrorKind.InvalidData,
                            $"The state file '{path}' has schema version {version}, which this version of PfaAzureDevOps does not know (it reads up to {supportedVersion}). It was probably written by a newer version of the module: update the module. The file was left as it is.",
                            path);
                    }
                }

                document = JsonSerializer.Deserialize<T>(bytes, JsonOptions);
            }
            catch (JsonException ex)
            {
                throw Corrupt(path, "it is not valid JSON or a field has the wrong type", ex);
            }
            catch (Exception ex) when (ex is NotSupportedException || ex is InvalidOperationException || ex is ArgumentException || ex is FormatException || ex is OverflowException)
            {
                throw Corrupt(path, "a field has a value this version cannot read", ex);
            }

            if (document is null)
            {
                throw Corrupt(path, "it is empty", null);
            }

            try
            {
                document.Validate();
            }
            catch (FormatException ex)
            {
                throw Corrupt(path, ex.Message, ex);
            }
            catch (Exception ex) when (ex is NullReferenceException || ex is ArgumentException || ex is InvalidOperationException || ex is OverflowException || ex is UriFormatException)
            {
                // A hand-edited document with a null or out-of-range field: corrupt, never a raw .NET error.
                throw Corrupt(path, "a field is missing or out of range", ex);
            }

            return document;
        }

        /// <summary>Writes a document by atomic replace: readers see the old file or the new one, never half of one.</summary>
        public void Write<T>(string relativePath, T document, bool ownerOnly)
            where T : StoredDocument
        {
            string path = GetPath(relativePath);
            byte[] bytes = JsonSerializer.SerializeToUtf8Bytes(document, JsonOptions);
            WriteAtomic(path, bytes, ownerOnly);
        }

        public bool Delete(string relativePath)
        {
            string path = GetPath(relativePath);
            try
            {
                if (!File.Exists(path))
                {
                    return false;
                }

                File.Delete(path);
                return true;
            }
            catch (UnauthorizedAccessException ex)
            {
                throw AccessDenied(path, ex);
            }
            catch (IOException ex)
            {
                throw WriteFailed(path, ex);
            }
        }

        /// <summary>Writes by atomic replace (<see cref="Platform.OwnerOnlyFiles.WriteAtomic"/>), creating the folder; failures as the store's errors.</summary>
        internal static void WriteAtomic(string path, byte[] bytes, bool ownerOnly)
        {
            string directory = Path.GetDirectoryName(path)!;
            EnsureDirectory(directory, ownerOnly);
            try
            {
                Platform.OwnerOnlyFiles.WriteAtomic(path, bytes, ownerOnly);
            }
            catch (UnauthorizedAccessException ex)
            {
                throw AccessDenied(path, ex);
            }
            catch (IOException ex)
            {
                throw WriteFailed(path, ex);
            }
        }

        /// <summary>True for the errors of a document that exists but cannot be read (corrupt, or of an unknown version).</summary>
        public static bool IsUnreadable(PfaException error) =>
            error.ErrorId == ErrorIds.StoreFileCorrupt || error.ErrorId == ErrorIds.StoreVersionUnsupported;

        /// <summary>
        /// Moves an unreadable document aside (renamed to "name.unreadable-yyyyMMddHHmmss" beside it, never deleted) so a new
        /// one can be written. Returns the new path, or null when there was no such file. Callers hold the document's lock.
        /// </summary>
        public string? MoveAside(string relativePath)
        {
            string path = GetPath(relativePath);
            try
            {
                return Platform.OwnerOnlyFiles.MoveAside(path, DateTime.UtcNow);
            }
            catch (UnauthorizedAccessException ex)
            {
                throw AccessDenied(path, ex);
            }
            catch (IOException ex)
            {
                throw WriteFailed(path, ex);
            }
        }

        /// <summary>True when an IOException means "another process holds the lock" (the only failure worth waiting for).</summary>
        internal static bool IsLockContention(IOException ex)
        {
            int code = ex.HResult;
            if (System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.Windows))
            {
                // ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION.
                return (code & 0xFFFF) == 0x20 || (code & 0xFFFF) == 0x21;
            }

            // .NET reports errno on Unix: EWOULDBLOCK/EAGAIN (11 on Linux, 35 on macOS).
            return code == 11 || code == 35;
        }

        /// <summary>A write that failed for a reason waiting would not fix: read-only file system, disk full, other I/O errors.</summary>
        internal static PfaException WriteFailed(string path, IOException ex)
        {
            int code = ex.HResult;
            bool windows = System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.Windows);
            bool readOnly = windows ? (code & 0xFFFF) == 0x13 : code == 30;
            bool full = windows ? (code & 0xFFFF) == 0x70 || (code & 0xFFFF) == 0x27 : code == 28 || code == 122 || code == 69;
            if (readOnly)
            {
                return new PfaException(ErrorIds.StoreReadOnly, PfaErrorKind.PermissionDenied, $"The state folder of '{path}' is on a read-only file system, so nothing can be saved there. Nothing was changed. Make it writable, or point {StateLocation.HomeVariable} at a writable folder.", path, ex);
            }

            if (full)
            {
                return new PfaException(ErrorIds.StoreDiskFull, PfaErrorKind.ResourceUnavailable, $"The disk holding '{path}' is full, so nothing could be saved. Nothing was changed. Free some space and run the command again.", path, ex);
            }

            return new PfaException(ErrorIds.StoreWriteFailed, PfaErrorKind.ResourceUnavailable, $"The state file '{path}' could not be written: {ex.Message.TrimEnd('.')}. Nothing was changed.", path, ex);
        }

        /// <summary>Creates the folder when missing (owner-only: 0700, an existing one narrowed to it); failures as the store's errors.</summary>
        internal static void EnsureDirectory(string directory, bool ownerOnly)
        {
            try
            {
                Platform.OwnerOnlyFiles.EnsureDirectory(directory, ownerOnly);
            }
            catch (UnauthorizedAccessException ex)
            {
                throw AccessDenied(directory, ex);
            }
            catch (IOException ex)
            {
                throw WriteFailed(directory, ex);
            }
        }

        private static string ClipValue(string text) => text.Length > 40 ? text.Substring(0, 40) + "..." : text;

        internal static PfaException Corrupt(string path, string why, Exception? inner) =>
            new PfaException(
                ErrorIds.StoreFileCorrupt,
                PfaErrorKind.InvalidData,
                $"The state file '{path}' cannot be read: {why}. It was left as it is. Inspect it, or move it aside to start over (for example with Unregister-PfaAzureDevOpsApp -Force), then run the command again.",
                path,
                inner);

        internal static PfaException AccessDenied(string path, Exception inner) =>
            new PfaException(
                ErrorIds.StoreAccessDenied,
                PfaErrorKind.PermissionDenied,
                $"Access to '{path}' was denied. For the AllUsers state (the instance's), run elevated (Run as administrator, or root) or use -Scope CurrentUser; for your own state, check the owner and permissions of that folder (or {StateLocation.HomeVariable}).",
                path,
                inner);

        private static JsonSerializerOptions CreateJsonOptions()
        {
            var options = new JsonSerializerOptions
            {
                PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
                WriteIndented = true,
                DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            };
            options.Converters.Add(new JsonStringEnumConverter());
            return options;
        }
    }
}
