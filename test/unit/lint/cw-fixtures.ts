// Realistic production-grade files the CW5xx/CW6xx rules must stay silent on.

/** A site as certbot leaves it (HTTPS server plus its HTTP redirect), proxying through Debian's proxy_params. */
export const certbotSite = `server {
    server_name polls.example.com www.polls.example.com;

    location = /favicon.ico { access_log off; log_not_found off; }
    location /static/ {
        alias /srv/polls/staticfiles/;
    }

    location / {
        include proxy_params;
        proxy_pass http://unix:/run/gunicorn.sock;
    }

    listen [::]:443 ssl ipv6only=on; # managed by Certbot
    listen 443 ssl; # managed by Certbot
    ssl_certificate /etc/letsencrypt/live/polls.example.com/fullchain.pem; # managed by Certbot
    ssl_certificate_key /etc/letsencrypt/live/polls.example.com/privkey.pem; # managed by Certbot
    include /etc/letsencrypt/options-ssl-nginx.conf; # managed by Certbot
    ssl_dhparam /etc/letsencrypt/ssl-dhparams.pem; # managed by Certbot
}
server {
    if ($host = www.polls.example.com) {
        return 301 https://$host$request_uri;
    } # managed by Certbot

    if ($host = polls.example.com) {
        return 301 https://$host$request_uri;
    } # managed by Certbot

    listen 80;
    listen [::]:80;
    server_name polls.example.com www.polls.example.com;
    return 404; # managed by Certbot
}
`;

/** The catch-all that turns away unknown hosts, in its own file. */
export const catchAll = `server {
    listen 80 default_server;
    listen [::]:80 default_server;
    listen 443 ssl default_server;
    listen [::]:443 ssl default_server;
    ssl_reject_handshake on;
    server_name _;
    return 444;
}
`;

export const hardenedUnit = `[Unit]
Description=polls gunicorn daemon
Requires=gunicorn.socket
After=network.target

[Service]
Type=notify
User=polls
Group=www-data
RuntimeDirectory=gunicorn
WorkingDirectory=/srv/polls
EnvironmentFile=/etc/polls/env
ExecStart=/srv/polls/venv/bin/gunicorn \\
          --workers 3 \\
          --bind unix:/run/gunicorn.sock \\
          mysite.wsgi:application
ExecReload=/bin/kill -s HUP $MAINPID
KillMode=mixed
TimeoutStopSec=5
Restart=on-failure
NoNewPrivileges=yes
PrivateTmp=yes
ProtectSystem=strict
ProtectHome=yes
ReadWritePaths=/srv/polls/media

[Install]
WantedBy=multi-user.target
`;

