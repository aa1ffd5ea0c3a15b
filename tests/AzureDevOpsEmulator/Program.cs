using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AzureDevOpsEmulator;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        EmulatorOptions options;
        try
        {
            options = ParseArgs(args);
        }
        catch (ArgumentException ex)
        {
            await Console.Error.WriteLineAsync("AzureDevOpsEmulator: " + ex.Message);
            await Console.Error.WriteLineAsync("Usage: AzureDevOpsEmulator [--ready-file <path>] [--data-dir <path>] [--certificate-file <path>] [--key-file <path>] [--allow-http-callbacks]");
            return 2;
        }

        X509Certificate2 created;
        try
        {
            created = CreateCertificate(options.KeyFile);
        }
        catch (Exception ex) when (options.KeyFile != null && ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            await Console.Error.WriteLineAsync($"AzureDevOpsEmulator: --key-file '{options.KeyFile}' is not a readable PEM RSA private key ({ex.Message}). Give another file, or leave the option out to generate a key.");
            return 2;
        }

        using var certificate = created;
        var certificateFile = options.CertificateFile ?? Path.Combine(options.DataDir, "emulator-certificate.pem");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(certificateFile))!);
        await File.WriteAllTextAsync(certificateFile, certificate.ExportCertificatePem() + "\n");

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = Array.Empty<string>(),
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(IPAddress.Loopback, 0);
            k.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(certificate));
        });
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<Store>();

        var app = builder.Build();
        var store = app.Services.GetRequiredService<Store>();

        Reset.Track(app);
        app.Use(async (ctx, next) =>
        {
            if (await Faults.TryApplyAsync(ctx, store))
            {
                return;
            }
            await next(ctx);
        });

        OAuthEndpoints.Map(app, store, options);
        RestEndpoints.Map(app, store);
        ControlEndpoints.Map(app, store, options);
        EntraEndpoints.Map(app, store);
        Reset.Map(app, store, options);

        await app.StartAsync();

        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        var http = addresses.First(a => a.StartsWith("http://", StringComparison.Ordinal));
        var https = addresses.First(a => a.StartsWith("https://", StringComparison.Ordinal));
        var ready = new Dictionary<string, object?>
        {
            ["ready"] = true,
            ["http"] = http,
            ["https"] = https,
            ["pid"] = Environment.ProcessId,
            ["certificate"] = Path.GetFullPath(certificateFile),
            ["certificateSha256"] = Convert.ToHexStringLower(SHA256.HashData(certificate.RawData)),
            ["spkiSha256"] = Convert.ToBase64String(SHA256.HashData(certificate.PublicKey.ExportSubjectPublicKeyInfo())),
            ["dataDir"] = options.DataDir,
        };
        var line = JsonSerializer.Serialize(ready, new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        Console.Out.WriteLine(line);
        Console.Out.Flush();
        if (options.ReadyFile != null)
        {
            var full = Path.GetFullPath(options.ReadyFile);
            var temp = full + ".tmp" + Environment.ProcessId;
            await File.WriteAllTextAsync(temp, line + "\n");
            File.Move(temp, full, overwrite: true);
        }

        await app.WaitForShutdownAsync();

        if (options.DataDirCreated)
        {
            try
            {
                Directory.Delete(options.DataDir, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        return 0;
    }

    private static EmulatorOptions ParseArgs(string[] args)
    {
        var o = new EmulatorOptions();
        string? dataDir = null;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"Option {args[i]} needs a value.");
            switch (args[i])
            {
                case "--ready-file": o.ReadyFile = Next(); break;
                case "--data-dir": dataDir = Next(); break;
                case "--certificate-file": o.CertificateFile = Next(); break;
                case "--key-file": o.KeyFile = Next(); break;
                case "--allow-http-callbacks": o.AllowHttpCallbacks = true; break;
                default: throw new ArgumentException($"Unknown option '{args[i]}'.");
            }
        }
        if (dataDir == null)
        {
            dataDir = Path.Combine(Path.GetTempPath(), "ado-emulator-" + Store.RandomHex(6));
            o.DataDirCreated = true;
        }
        o.DataDir = Path.GetFullPath(dataDir);
        Directory.CreateDirectory(o.DataDir);
        return o;
    }

    /// <summary>
    /// A fresh self-signed certificate for 127.0.0.1 and localhost, its key read from <paramref name="keyFile"/> (a PEM RSA
    /// private key) when given, else a new RSA 2048 key. The test launcher passes the one key it made for the checkout
    /// (tests/TestServers/TestKeys.cs): generating one costs about 0.2 CPU s, a third of the emulator's start.
    /// </summary>
    private static X509Certificate2 CreateCertificate(string? keyFile)
    {
        using var rsa = keyFile != null ? RSA.Create() : RSA.Create(2048);
        if (keyFile != null)
        {
            rsa.ImportFromPem(File.ReadAllText(keyFile));
        }
        var request = new CertificateRequest("CN=localhost, O=AzureDevOpsEmulator", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        // Self-signed and used as its own trust anchor by clients, hence CA:true (pathlen 0).
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.KeyCertSign, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            new OidCollection { new Oid("1.3.6.1.5.5.7.3.1") }, false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        using var created = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(30));
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
    }
}

/// <summary>Error bodies and pages shared by the endpoints.</summary>
internal static class Wire
{
    public const string UnauthorizedTypeName =
        "Microsoft.TeamFoundation.Framework.Server.UnauthorizedRequestException, Microsoft.TeamFoundation.Framework.Server";

    public static IResult VssError(int status, string message, string typeKey, string typeName, int errorCode = 0, int eventId = 3000) =>
        Results.Json(new Dictionary<string, object?>
        {
            ["$id"] = "1",
            ["innerException"] = null,
            ["message"] = message,
            ["typeName"] = typeName,
            ["typeKey"] = typeKey,
            ["errorCode"] = errorCode,
            ["eventId"] = eventId,
        }, statusCode: status);

    public static IResult TokenError(string error, string description) =>
        Results.Json(new Dictionary<string, string> { ["Error"] = error, ["ErrorDescription"] = description }, statusCode: 400);

    public static IResult Html(int status, string title, string bodyHtml) =>
        Results.Content(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + WebUtility.HtmlEncode(title) +
            "</title></head><body>\n" + bodyHtml + "\n</body></html>\n",
            "text/html; charset=utf-8", System.Text.Encoding.UTF8, status);

    public static string BaseUrl(HttpRequest request) => request.Scheme + "://" + request.Host.Value;
}
